package android

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// DevicePolicy is what `dumpsys device_policy` says about who manages the
// phone. FRPAccounts are an admin's account IDs: personal data, kept only
// so a capture can pseudonymise them; reports carry their count.
type DevicePolicy struct {
	// DeviceOwner is the device owner's package, "" when there is none.
	DeviceOwner string `json:"device_owner,omitempty"`
	// ProfileOwners lists every profile owner, by user.
	ProfileOwners []PolicyOwner `json:"profile_owners,omitempty"`
	// FRPPolicyEnabled: an admin set an enabled factory reset protection
	// policy; FRPAccounts are the accounts it names.
	FRPPolicyEnabled bool     `json:"frp_policy_enabled,omitempty"`
	FRPAccounts      []string `json:"frp_accounts,omitempty"`
	// ResetRestricted: the no_factory_reset restriction appears.
	ResetRestricted bool `json:"reset_restricted,omitempty"`
}

// PolicyOwner is one profile owner.
type PolicyOwner struct {
	User     int    `json:"user"`
	Package  string `json:"package"`
	OrgOwned bool   `json:"org_owned"`
}

const (
	policyHeader      = "Current Device Policy Manager state:"
	restrictionNoFR   = "no_factory_reset"
	frpPolicyHeader   = "mFactoryResetProtectionPolicy:"
	frpEnabledPrefix  = "factoryResetProtectionEnabled="
	frpAccountsPrefix = "factoryResetProtectionAccounts="
)

// ParseDevicePolicy reads `dumpsys device_policy` (AOSP DevicePolicyManager
// Service.dump with Owners/OwnersData.dump and ActiveAdmin.dump):
//
//	Current Device Policy Manager state:
//	  Device Owner:
//	    admin=ComponentInfo{com.example.mdm/com.example.mdm.Receiver}
//	    package=com.example.mdm
//	    isOrganizationOwnedDevice=true
//	    User ID: 0
//
//	  Profile Owner (User 10):
//	    admin=ComponentInfo{…}
//	    package=…
//	    isOrganizationOwnedDevice=false
//	  …
//	      mFactoryResetProtectionPolicy:
//	        factoryResetProtectionEnabled=true
//	        factoryResetProtectionAccounts=1234567890
//	          2345678901
//
// Older releases print "Device Owner:" with `name=` lines and no
// isOrganizationOwnedDevice. Output without the header is not an answer;
// an owner section cut before its package is truncated.
func ParseDevicePolicy(out []byte) (DevicePolicy, error) {
	if blank(out) {
		return DevicePolicy{}, ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return DevicePolicy{}, err
	}
	if bytes.Contains(out, []byte("Can't find service")) {
		return DevicePolicy{}, ErrNoService
	}
	if bytes.Contains(out, []byte("DUMP TIMEOUT")) {
		return DevicePolicy{}, fmt.Errorf("dumpsys device_policy: %w", ErrTimedOut)
	}
	ls, complete := lines(out)
	at := -1
	for i, l := range ls {
		if strings.TrimSpace(l) == policyHeader {
			at = i
			break
		}
	}
	if at < 0 {
		return DevicePolicy{}, fmt.Errorf("dumpsys device_policy: no header: %w", ErrUnrecognized)
	}
	var p DevicePolicy
	for i := at + 1; i < len(ls); i++ {
		t := strings.TrimSpace(ls[i])
		switch {
		case t == "Device Owner:":
			o, next, err := parseOwner(ls, i, complete)
			if err != nil {
				return DevicePolicy{}, fmt.Errorf("dumpsys device_policy: device owner: %w", err)
			}
			p.DeviceOwner = o.Package
			i = next - 1
		case strings.HasPrefix(t, "Profile Owner (User "):
			user, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(t, "Profile Owner (User "), "):"))
			if err != nil || !strings.HasSuffix(t, "):") || user < 0 {
				return DevicePolicy{}, fmt.Errorf("dumpsys device_policy: line %d: %w", i+1, ErrUnrecognized)
			}
			o, next, err := parseOwner(ls, i, complete)
			if err != nil {
				return DevicePolicy{}, fmt.Errorf("dumpsys device_policy: profile owner of user %d: %w", user, err)
			}
			o.User = user
			if o.Package != "" {
				p.ProfileOwners = append(p.ProfileOwners, o)
			}
			i = next - 1
		case t == frpPolicyHeader:
			enabled, accounts, next := parseFRPPolicy(ls, i)
			p.FRPPolicyEnabled = p.FRPPolicyEnabled || (enabled && len(accounts) > 0)
			if enabled {
				p.FRPAccounts = append(p.FRPAccounts, accounts...)
			}
			i = next - 1
		case containsWord(t, restrictionNoFR):
			p.ResetRestricted = true
		}
	}
	return p, nil
}

// parseOwner reads the indented lines under an owner heading at ls[at] and
// returns the owner and the index of the first line after them.
func parseOwner(ls []string, at int, complete bool) (PolicyOwner, int, error) {
	var o PolicyOwner
	none := false
	indent := indentOf(ls[at])
	i := at + 1
	for ; i < len(ls); i++ {
		l := ls[i]
		if strings.TrimSpace(l) == "" || indentOf(l) <= indent {
			break
		}
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "package="):
			o.Package = strings.TrimPrefix(t, "package=")
		case t == "isOrganizationOwnedDevice=true":
			o.OrgOwned = true
		case t == "none":
			none = true
		}
	}
	if none && o.Package == "" {
		return PolicyOwner{}, i, nil
	}
	if o.Package == "" || !validAccountType(o.Package) {
		cut := i == len(ls) && !complete
		return PolicyOwner{}, i, fmt.Errorf("no package: %w", truncatedOr(cut || i == len(ls), ErrUnrecognized))
	}
	return o, i, nil
}

// parseFRPPolicy reads an admin's reset protection policy. The accounts
// follow "factoryResetProtectionAccounts=", the first on the same line, the
// others on lines of their own, indented deeper than the policy's fields.
func parseFRPPolicy(ls []string, at int) (enabled bool, accounts []string, next int) {
	indent := indentOf(ls[at])
	fieldIndent := -1
	i := at + 1
	for ; i < len(ls); i++ {
		l := ls[i]
		t := strings.TrimSpace(l)
		if t == "" || indentOf(l) <= indent {
			break
		}
		switch {
		case strings.HasPrefix(t, frpEnabledPrefix):
			enabled = strings.TrimPrefix(t, frpEnabledPrefix) == "true"
			fieldIndent = indentOf(l)
		case strings.HasPrefix(t, frpAccountsPrefix):
			if a := strings.TrimPrefix(t, frpAccountsPrefix); a != "" {
				accounts = append(accounts, a)
			}
			fieldIndent = indentOf(l)
		case fieldIndent >= 0 && indentOf(l) > fieldIndent:
			accounts = append(accounts, t)
		default:
			return enabled, accounts, i
		}
	}
	return enabled, accounts, i
}

func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " \t")) }

// containsWord reports whether word appears in t bounded by anything that
// cannot be part of a restriction key.
func containsWord(t, word string) bool {
	for i := 0; ; {
		j := strings.Index(t[i:], word)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !keyByte(t[j-1])
		after := j+len(word) == len(t) || !keyByte(t[j+len(word)])
		if before && after {
			return true
		}
		i = j + len(word)
	}
}

func keyByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
