package androidsim

import (
	"fmt"
	"slices"
	"strings"
)

// Policy is what the phone's device policy holds: who manages it and
// which of their policies outlive a reset. The zero value is a phone
// nobody manages.
type Policy struct {
	// DeviceOwner is the device owner's admin component
	// ("package/class"), "" for none. Zero-touch, Knox Mobile Enrollment
	// and company-owned dedicated phones have one.
	DeviceOwner string
	// ProfileOwner is a work profile's admin component, in user
	// ProfileUser; OrgOwned marks the profile owner of an
	// organisation-owned phone.
	ProfileOwner string
	ProfileUser  int
	OrgOwned     bool
	// FRPAccounts are the admin account IDs of a factory reset protection
	// policy set by the owner above; none means no policy.
	FRPAccounts []string
	// NoFactoryReset sets the no_factory_reset user restriction.
	NoFactoryReset bool
}

// managed reports whether the organisation holds the phone beyond a reset:
// a device owner, or the profile owner of an organisation-owned phone. A
// personal phone's work profile goes with the reset.
func (p Policy) managed() bool { return p.DeviceOwner != "" || (p.ProfileOwner != "" && p.OrgOwned) }

// devicePolicyDump renders `dumpsys device_policy` in AOSP's shape
// (DevicePolicyManagerService.dump: the owners as OwnersData.dump prints
// them, then each user's enabled admins with ActiveAdmin.dump's fields,
// the reset protection policy as FactoryResetProtectionPolicy.dump prints
// it, and the user restrictions).
func (p *Phone) devicePolicyDump() string {
	pol := p.policy
	var b strings.Builder
	b.WriteString("Current Device Policy Manager state:\n")
	b.WriteString("  Immutable state:\n    mHasFeature=true\n    mIsWatch=false\n    mIsAutomotive=false\n" +
		"    mHasTelephonyFeature=true\n    mSafetyChecker=null\n")
	owner := func(heading, component string, orgOwned bool, user int, deviceOwner bool) {
		pkg, _, _ := strings.Cut(component, "/")
		fmt.Fprintf(&b, "  %s \n", heading)
		fmt.Fprintf(&b, "    admin=ComponentInfo{%s}\n", expandComponent(component))
		fmt.Fprintf(&b, "    package=%s\n", pkg)
		fmt.Fprintf(&b, "    isOrganizationOwnedDevice=%t\n", orgOwned)
		if deviceOwner {
			fmt.Fprintf(&b, "    User ID: %d\n", user)
		}
		b.WriteString("\n")
	}
	if pol.DeviceOwner != "" {
		owner("Device Owner:", pol.DeviceOwner, true, 0, true)
		b.WriteString("  Device Owner Type: 0\n\n")
	}
	if pol.ProfileOwner != "" {
		owner(fmt.Sprintf("Profile Owner (User %d):", pol.ProfileUser), pol.ProfileOwner, pol.OrgOwned, pol.ProfileUser, false)
	}
	for _, u := range p.users {
		fmt.Fprintf(&b, "  Enabled Device Admins (User %d, provisioningState: 3):\n", u.ID)
		admin := ""
		switch {
		case pol.DeviceOwner != "" && u.ID == 0:
			admin = pol.DeviceOwner
		case pol.ProfileOwner != "" && u.ID == pol.ProfileUser:
			admin = pol.ProfileOwner
		}
		if admin != "" {
			p.writeActiveAdmin(&b, admin, u.ID)
		}
		b.WriteString("\n")
	}
	b.WriteString("  mPasswordOwner=-1\n  mOwnerInstalledCaCerts=[]\n")
	return b.String()
}

func (p *Phone) writeActiveAdmin(b *strings.Builder, component string, user int) {
	pol := p.policy
	fmt.Fprintf(b, "    %s:\n", component)
	fmt.Fprintf(b, "      uid=%d\n      testOnlyAdmin=false\n      policies:\n        wipe-data\n        reset-password\n"+
		"        force-lock\n      passwordQuality=0x0\n      disableCamera=false\n", user*100000+10163)
	if len(pol.FRPAccounts) > 0 {
		b.WriteString("      mFactoryResetProtectionPolicy:\n        factoryResetProtectionEnabled=true\n")
		b.WriteString("        factoryResetProtectionAccounts=")
		for i, a := range pol.FRPAccounts {
			if i > 0 {
				b.WriteString("          ")
			}
			b.WriteString(a + "\n")
		}
	}
	if pol.NoFactoryReset {
		b.WriteString("      userRestrictions:\n        no_factory_reset\n")
	}
	b.WriteString("      mtePolicy=0\n")
}

// expandComponent turns "pkg/.Cls" into "pkg/pkg.Cls", as ComponentInfo
// prints it.
func expandComponent(c string) string {
	pkg, cls, ok := strings.Cut(c, "/")
	if ok && strings.HasPrefix(cls, ".") {
		return pkg + "/" + pkg + cls
	}
	return c
}

// systemPackages lists the phone's system packages: the ones every phone
// has, its maker's, and those its options add.
func (p *Phone) systemPackages() []string {
	pkgs := []string{
		"android", "com.android.settings", "com.android.shell", "com.android.providers.settings",
		"com.android.phone", "com.android.systemui", "com.google.android.gms", "com.google.android.gm",
		"com.android.vending",
	}
	switch {
	case p.id.isXiaomi():
		pkgs = append(pkgs, "com.xiaomi.account", "com.xiaomi.finddevice", "com.miui.cloudservice")
	case p.id.isSamsung():
		pkgs = append(pkgs, "com.osp.app.signin", "com.samsung.android.fmm", "com.samsung.klmsagent")
	case p.id.EMUI != "":
		pkgs = append(pkgs, "com.huawei.hwid")
	}
	pkgs = append(pkgs, p.extraPackages...)
	if pkg, _, ok := strings.Cut(p.policy.DeviceOwner, "/"); ok {
		pkgs = append(pkgs, pkg)
	}
	slices.Sort(pkgs)
	return slices.Compact(pkgs)
}

func (p *Phone) packagesListing(args []string) (string, bool) {
	if !slices.Contains(args, "-s") {
		return "", false
	}
	var b strings.Builder
	for _, pkg := range p.systemPackages() {
		fmt.Fprintf(&b, "package:%s\n", pkg)
	}
	return b.String(), true
}
