package protocol

import "strings"

// The lock catalogue: every risk kind a report can carry, what it means for
// people, and who can clear it. It is the one place both sides read a risk
// kind's words and remedy from: the agent's guidance and exit codes, the
// controller's release machine, console, certificates and exports. Adding a
// lock is one entry here (and, on the agent, one entry in its account or
// probe catalogue).

// Risk kinds beyond the first four account types (2026-12, revision 3).
const (
	// RiskVivoAccount: a vivo account is signed in; the Settings reset asks
	// for its password and checks it online.
	RiskVivoAccount RiskKind = "vivo_account"
	// RiskVivoFindPhone: vivo's Find my phone is on.
	RiskVivoFindPhone RiskKind = "vivo_find_phone"
	// RiskHonorID: an HONOR ID is signed in.
	RiskHonorID RiskKind = "honor_id"
	// RiskHeyTapAccount: a HeyTap (OPPO, realme, OnePlus) account is signed
	// in on a build whose Find My Phone is HeyTap's own.
	RiskHeyTapAccount RiskKind = "heytap_account"
	// RiskVendorAccount: an account Unbind has no entry for, provided by a
	// phone maker's or a system app: Unbind cannot judge it, so it is a risk.
	RiskVendorAccount RiskKind = "vendor_account"
	// RiskManagedDevice: a device owner, or the profile owner of an
	// organisation-owned phone, manages it; such phones re-enrol after a
	// reset until the organisation releases them.
	RiskManagedDevice RiskKind = "managed_device"
	// RiskEnterpriseFRP: the organisation set a factory-reset-protection
	// policy naming its own accounts; it survives even a Settings reset.
	RiskEnterpriseFRP RiskKind = "enterprise_frp"
	// RiskResetRestricted: a policy forbids factory reset (no_factory_reset).
	RiskResetRestricted RiskKind = "reset_restricted"
	// RiskKnoxGuard: Samsung Knox Guard (financed phone) is enrolled or active.
	RiskKnoxGuard RiskKind = "knox_guard"
	// RiskFRPActive: the phone is already waiting at factory reset protection
	// for a previous owner's account.
	RiskFRPActive RiskKind = "frp_active"
)

// CatalogueRevision is the revision of the lock catalogue this build judges
// by; every report names the revision its agent judged with
// (Report.Catalogue). Revision 0 is an agent older than the catalogue,
// which knew only the first four account types, Find Device and lost mode:
// its "safe" does not rule out the locks added since, so it never allows a
// reset and no certificate lists those locks as checked.
//
// History:
//
//	1: 2026-12-06: vendor accounts (vivo, HONOR, HeyTap, any maker's),
//	   company management, Knox Guard, FRP already active.
const CatalogueRevision = 1

// Remedy says who can clear a lock, which decides what a release does.
type Remedy string

const (
	// RemedySignOut: the person at the phone signs out of an account on the
	// phone (it needs the account's password). A release guides them.
	RemedySignOut Remedy = "sign_out"
	// RemedySwitchOff: the person at the phone switches an anti-theft
	// feature off on the phone. A release guides them.
	RemedySwitchOff Remedy = "switch_off"
	// RemedyElsewhere: nobody at the bench can clear it: the owner remotely,
	// the organisation's admin or the financing company must. A reset does
	// not clear it. A release of such a phone stops.
	RemedyElsewhere Remedy = "elsewhere"
	// RemedyCheckAgain: a check could not finish; a fresh check may answer.
	RemedyCheckAgain Remedy = "check_again"
)

// Lock describes one risk kind.
type Lock struct {
	Kind RiskKind
	// Title names the risk for people, e.g. "Mi account signed in".
	Title string
	// Action is what clears it, said to the person at the bench, e.g.
	// "Sign out of the Mi account".
	Action string
	// Where says where and how, e.g. "Settings > Mi Account > Sign out
	// (needs the Mi account password)".
	Where  string
	Remedy Remedy
	// ClearedBy names who can clear it.
	ClearedBy string
	// SurvivesSettingsReset: even the vendor's own Settings reset keeps it.
	SurvivesSettingsReset bool
	// Since is the catalogue revision that added the lock.
	Since int
}

// Step is the one sentence of advice for this lock.
func (l Lock) Step() string {
	if l.Where == "" {
		return l.Action + "."
	}
	return l.Action + ": " + l.Where
}

// Locks lists every risk kind in the order reports and certificates show
// them: the first four account locks as they always were, the newer ones,
// lost mode, and the unknown last.
var Locks = []Lock{
	{Kind: RiskMiAccount, Title: "Mi account signed in",
		Action: "Sign out of the Mi account",
		Where:  "Settings > Mi Account > Sign out (needs the Mi account password); this also turns Find Device off",
		Remedy: RemedySignOut, ClearedBy: "the person at the phone"},
	{Kind: RiskFindDevice, Title: "Find Device on",
		Action: "Turn off Find Device",
		Where:  "Settings > Mi Account > Xiaomi Cloud > Find device, or at i.mi.com with the Mi account",
		Remedy: RemedySwitchOff, ClearedBy: "the person at the phone"},
	{Kind: RiskGoogleFRP, Title: "Google account (reset protection)",
		Action: "Remove the Google account",
		Where:  "Settings > Accounts > Google > Remove account; then reset from Settings only, since a reset from recovery or fastboot keeps Google's lock",
		Remedy: RemedySignOut, ClearedBy: "the person at the phone"},
	{Kind: RiskSamsungReactivation, Title: "Samsung account (reactivation lock)",
		Action: "Sign out of the Samsung account",
		Where:  "Settings > Accounts and backup > Manage accounts (needs the Samsung account password)",
		Remedy: RemedySignOut, ClearedBy: "the person at the phone"},
	{Kind: RiskHuaweiID, Title: "HUAWEI ID signed in",
		Action: "Sign out of the HUAWEI ID",
		Where:  "Settings > HUAWEI ID > Log out (needs the HUAWEI ID password)",
		Remedy: RemedySignOut, ClearedBy: "the person at the phone"},
	{Kind: RiskHonorID, Title: "HONOR ID signed in",
		Action: "Sign out of the HONOR ID",
		Where:  "Settings > HONOR ID > Log out (needs the HONOR ID password)",
		Remedy: RemedySignOut, ClearedBy: "the person at the phone", Since: 1},
	{Kind: RiskVivoAccount, Title: "vivo account signed in",
		Action: "Sign out of the vivo account",
		Where:  "Settings > vivo account > Log out (needs the vivo account password)",
		Remedy: RemedySignOut, ClearedBy: "the person at the phone", Since: 1},
	{Kind: RiskVivoFindPhone, Title: "vivo Find my phone on",
		Action: "Turn off Find my phone",
		Where:  "Settings > vivo account > Find my phone (needs the vivo account password)",
		Remedy: RemedySwitchOff, ClearedBy: "the person at the phone", Since: 1},
	{Kind: RiskHeyTapAccount, Title: "HeyTap account (OPPO Find My Phone)",
		Action: "Sign out of the HeyTap account",
		Where:  "Settings > your name (HeyTap account) > Sign out (needs its password); Find My Phone goes off with it",
		Remedy: RemedySignOut, ClearedBy: "the person at the phone", Since: 1},
	{Kind: RiskVendorAccount, Title: "a phone maker's account Unbind cannot judge",
		Action: "Sign out of the phone maker's account",
		Where:  "Settings > Accounts (and the maker's own account screen at the top of Settings); Unbind does not know this account and treats it as a lock",
		Remedy: RemedySignOut, ClearedBy: "the person at the phone", Since: 1},
	{Kind: RiskManagedDevice, Title: "company-managed phone",
		Action: "Ask the organisation that manages this phone to release it",
		Where:  "its admin removes it from their device management (and from zero-touch or Knox Mobile Enrollment); until then a reset re-enrols it",
		Remedy: RemedyElsewhere, ClearedBy: "the organisation's admin", SurvivesSettingsReset: true, Since: 1},
	{Kind: RiskEnterpriseFRP, Title: "company reset protection policy",
		Action: "Do not reset: the organisation that manages this phone set reset protection naming its own accounts",
		Where:  "its admin must clear the policy and release the phone; even a reset from Settings keeps the lock",
		Remedy: RemedyElsewhere, ClearedBy: "the organisation's admin", SurvivesSettingsReset: true, Since: 1},
	{Kind: RiskResetRestricted, Title: "factory reset forbidden by policy",
		Action: "Ask the organisation that manages this phone to lift its ban on factory reset",
		Where:  "its admin removes the restriction or the management",
		Remedy: RemedyElsewhere, ClearedBy: "the organisation's admin", SurvivesSettingsReset: true, Since: 1},
	{Kind: RiskKnoxGuard, Title: "Samsung Knox Guard (financed phone)",
		Action: "Do not reset: the phone is enrolled in Samsung Knox Guard by the company that financed it",
		Where:  "only that company can release it (it completes or removes the enrolment in its Knox Guard console); a reset keeps it",
		Remedy: RemedyElsewhere, ClearedBy: "the financing company", SurvivesSettingsReset: true, Since: 1},
	{Kind: RiskFRPActive, Title: "already locked by factory reset protection",
		Action: "Do not reset: this phone is already waiting for the previous owner's Google account",
		Where:  "only that account's owner can sign in on the setup screen, or remove the phone at myaccount.google.com > Security > Your devices",
		Remedy: RemedyElsewhere, ClearedBy: "the previous owner of the Google account", SurvivesSettingsReset: true, Since: 1},
	{Kind: RiskLostMode, Title: "lost mode",
		Action: "Do not reset: the phone is locked remotely (lost mode)",
		Where:  "only the Mi account owner can unlock it, at i.mi.com",
		Remedy: RemedyElsewhere, ClearedBy: "the Mi account's owner (at i.mi.com)", SurvivesSettingsReset: true},
	{Kind: RiskUnknown, Title: "a check could not finish",
		Action: "Keep the phone connected for a fresh check, and do not reset it until it says safe",
		Remedy: RemedyCheckAgain, ClearedBy: "a fresh check"},
}

// LockOf returns the catalogue entry of kind. An unknown kind gets an entry
// that keeps the phone from being reset.
func LockOf(kind RiskKind) Lock {
	for _, l := range Locks {
		if l.Kind == kind {
			return l
		}
	}
	return Lock{Kind: kind, Title: string(kind), Action: "Do not reset: " + string(kind),
		Remedy: RemedyElsewhere, ClearedBy: "unknown"}
}

// KindsWithRemedy lists the kinds cleared by r, in catalogue order.
func KindsWithRemedy(r Remedy) []RiskKind {
	var kinds []RiskKind
	for _, l := range Locks {
		if l.Remedy == r {
			kinds = append(kinds, l.Kind)
		}
	}
	return kinds
}

// LockKindsCheckedBy lists the kinds that are locks (all but RiskUnknown)
// and that an agent judging with catalogue revision rev checks for, in
// catalogue order.
func LockKindsCheckedBy(rev int) []RiskKind {
	var kinds []RiskKind
	for _, l := range Locks {
		if l.Kind != RiskUnknown && l.Since <= rev {
			kinds = append(kinds, l.Kind)
		}
	}
	return kinds
}

// Maker is a phone maker as the catalogue knows it.
type Maker struct {
	// Name is how people call it, e.g. "Xiaomi".
	Name string
	// Brands are the lower-case ro.product.manufacturer or ro.product.brand
	// values of its phones.
	Brands []string
	// Remote is what the previous owner must also do away from the phone,
	// because nothing on the phone can prove it was done; "" when nothing.
	// It is said to the person at the bench.
	Remote string
	// Owner is the same, said to the previous owner, for the unlink sheet
	// of a phone on hold.
	Owner string
	// Site is the address where the owner does it, for the sheet's QR
	// code; "" when no single address is known.
	Site string
}

// Makers lists the makers whose phones carry a lock of their own.
var Makers = []Maker{
	{Name: "Xiaomi", Brands: []string{"xiaomi", "redmi", "poco"},
		Remote: "Ask the previous owner to check at i.mi.com > Find device that this phone is gone from the list (Disconnect, then delete the device): Find Device can stay on there after the Mi account left the phone.",
		Owner:  "Sign in at i.mi.com with your Mi account, open Find device, choose this phone, choose Disconnect, then delete the device from the list.",
		Site:   "https://i.mi.com/"},
	{Name: "Samsung", Brands: []string{"samsung"},
		Remote: "Ask the previous owner to remove the phone in Samsung Find (smartthingsfind.samsung.com) and from their Samsung account's devices.",
		Owner:  "Sign in at smartthingsfind.samsung.com with your Samsung account, choose this phone and remove it; then remove it from your Samsung account's list of devices.",
		Site:   "https://smartthingsfind.samsung.com/"},
	{Name: "Google", Brands: []string{"google"},
		Remote: "If a Google account was removed remotely, ask its owner to check the phone is gone from myaccount.google.com > Security > Your devices.",
		Owner:  "Sign in at myaccount.google.com, open Security, then Your devices, choose this phone and sign out of it.",
		Site:   "https://myaccount.google.com/"},
	{Name: "HUAWEI", Brands: []string{"huawei"},
		Remote: "Ask the previous owner to remove the phone at cloud.huawei.com > Find Device.",
		Owner:  "Sign in at cloud.huawei.com with your HUAWEI ID, open Find Device, choose this phone and remove it.",
		Site:   "https://cloud.huawei.com/"},
	{Name: "HONOR", Brands: []string{"honor"},
		Remote: "Ask the previous owner to remove the phone from their HONOR ID's devices (Find Device on the HONOR cloud website).",
		Owner:  "Sign in to the HONOR cloud website with your HONOR ID, open Find Device, choose this phone and remove it."},
	{Name: "vivo", Brands: []string{"vivo", "iqoo"},
		Remote: "Ask the previous owner to remove the phone from their vivo account's Find my phone on the vivo cloud website.",
		Owner:  "Sign in to the vivo cloud website with your vivo account, open Find my phone, choose this phone and remove it."},
	{Name: "OPPO", Brands: []string{"oppo", "realme", "oneplus"},
		Remote: "Ask the previous owner to remove the phone from their HeyTap account's Find My Phone, and from Google's Find My Device.",
		Owner:  "Sign in to HeyTap Cloud (or OPPO Cloud) with your account, open Find My Phone, choose this phone and remove it; then do the same at google.com/android/find."},
}

// MakerOf returns the maker of a phone by its manufacturer or brand.
func MakerOf(id Identity) (Maker, bool) {
	for _, m := range Makers {
		for _, b := range m.Brands {
			if strings.EqualFold(strings.TrimSpace(id.Manufacturer), b) || strings.EqualFold(strings.TrimSpace(id.Brand), b) {
				return m, true
			}
		}
	}
	return Maker{}, false
}
