package protocol

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Identity is what a phone says about itself (getprop). Empty fields were not
// readable; they never stop a report from being sent.
type Identity struct {
	Serial         string `json:"serial"`
	Manufacturer   string `json:"manufacturer,omitempty"`
	Brand          string `json:"brand,omitempty"`
	Model          string `json:"model,omitempty"`
	AndroidVersion string `json:"android_version,omitempty"`
	SDK            int    `json:"sdk,omitempty"`
	// VendorOS is the vendor skin and its version, e.g. "MIUI V14" or "HyperOS OS1.0".
	VendorOS string `json:"vendor_os,omitempty"`
	// IMEI is set only when it was read and passed the Luhn check.
	IMEI string `json:"imei,omitempty"`
	// SerialSource says where Serial was read: SerialFromGetprop (the
	// phone's own property, which a modified phone can make say anything)
	// or SerialFromADB (the bench host's `adb devices`, the serial its USB
	// connection announced). Empty from agents before the 2026-12-06
	// revision.
	SerialSource string `json:"serial_source,omitempty"`
}

// Where a serial was read (Identity.SerialSource).
const (
	SerialFromGetprop = "getprop"
	SerialFromADB     = "adb devices"
)

// RiskKind names something that would lock the phone after a reset, or the
// fact that the agent could not tell.
type RiskKind string

const (
	RiskMiAccount           RiskKind = "mi_account"
	RiskFindDevice          RiskKind = "find_device"
	RiskGoogleFRP           RiskKind = "google_frp"
	RiskSamsungReactivation RiskKind = "samsung_reactivation"
	RiskHuaweiID            RiskKind = "huawei_id"
	RiskLostMode            RiskKind = "lost_mode"
	// RiskUnknown means a check could not be completed. It is never safe.
	RiskUnknown RiskKind = "unknown"
)

// RiskKinds lists every kind a decoder accepts, in the catalogue's order.
var RiskKinds = func() []RiskKind {
	kinds := make([]RiskKind, len(Locks))
	for i, l := range Locks {
		kinds[i] = l.Kind
	}
	return kinds
}()

func (k RiskKind) valid() bool {
	for _, known := range RiskKinds {
		if k == known {
			return true
		}
	}
	return false
}

// Risk is one reason a phone is not safe to reset, with the evidence for it.
type Risk struct {
	Kind RiskKind `json:"kind"`
	// User is the Android user ID the risk was found in, when it is per user.
	User *int `json:"user,omitempty"`
	// Check names the check that produced the risk, e.g. "dumpsys account".
	Check string `json:"check"`
	// Evidence says what the check saw, in words free of personal data.
	Evidence string `json:"evidence"`
	// Account is the account name, masked unless the agent was told otherwise.
	Account string `json:"account,omitempty"`
}

// Tri is a yes/no answer that may be unknown. Unknown is never read as off.
type Tri string

const (
	TriUnknown Tri = "unknown"
	TriOn      Tri = "on"
	TriOff     Tri = "off"
)

func (t Tri) valid() bool { return t == TriUnknown || t == TriOn || t == TriOff }

// Account is one account found on the phone.
type Account struct {
	User int    `json:"user"`
	Type string `json:"type"`
	// Name is masked (e.g. "ja***@gmail.com") unless the agent runs with
	// account names shown.
	Name string `json:"name,omitempty"`
}

// Verdict summarises a report for people and filters.
type Verdict string

const (
	VerdictSafe    Verdict = "safe"
	VerdictAtRisk  Verdict = "at_risk"
	VerdictUnknown Verdict = "unknown"
)

// Report is the result of one check of a phone.
type Report struct {
	Device Identity `json:"device"`
	// SafeToReset is true only when every check completed and found no risk.
	SafeToReset bool      `json:"safe_to_reset"`
	Risks       []Risk    `json:"risks"`
	Accounts    []Account `json:"accounts,omitempty"`
	FindDevice  Tri       `json:"find_device"`
	LostMode    Tri       `json:"lost_mode"`
	Rooted      bool      `json:"rooted"`
	CheckedAt   time.Time `json:"checked_at"`
	// BootID names the phone's current boot (the kernel's
	// /proc/sys/kernel/random/boot_id): a report with the boot ID of the
	// report before a reset shows a phone that never went down. Empty when
	// unreadable and from agents older than the 2026-11-24 revision 2.
	BootID string `json:"boot_id,omitempty"`
	// Catalogue is the revision of the lock catalogue the agent judged
	// with (CatalogueRevision); 0 from agents older than it.
	Catalogue int `json:"catalogue,omitempty"`
	// Setup is where the phone stands in its own setup, when it was read:
	// what tells a freshly reset phone from one in use after a release.
	Setup *SetupState `json:"setup,omitempty"`
}

// SetupState is where a phone stands in its own setup.
type SetupState struct {
	// Provisioned is off while the phone shows its first-boot setup
	// (device_provisioned 0); unknown when it was not read.
	Provisioned Tri `json:"provisioned"`
	// FRPActive is on while the phone waits at factory reset protection.
	FRPActive Tri `json:"frp_active"`
	// TradeIn: the phone answered from Android 16's trade-in mode, which
	// only a factory-reset phone before its setup enters.
	TradeIn bool `json:"trade_in,omitempty"`
}

// maxBootID bounds Report.BootID; the kernel's is a 36-character UUID.
const maxBootID = 64

// RiskKinds lists the distinct kinds of r's risks, in the order they first
// appear. It is the one definition of "the risk kinds of a report".
func (r Report) RiskKinds() []RiskKind {
	var kinds []RiskKind
	for _, risk := range r.Risks {
		if !slices.Contains(kinds, risk.Kind) {
			kinds = append(kinds, risk.Kind)
		}
	}
	return kinds
}

// HasRisk reports whether r carries a risk of any of kinds.
func (r Report) HasRisk(kinds ...RiskKind) bool {
	for _, risk := range r.Risks {
		if slices.Contains(kinds, risk.Kind) {
			return true
		}
	}
	return false
}

// JoinRiskKinds writes kinds as one string, separated by sep.
func JoinRiskKinds(kinds []RiskKind, sep string) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, sep)
}

// Verdict is safe only for a report with no risks; a report whose only risks
// are unknown is unknown; anything else is at risk.
func (r Report) Verdict() Verdict {
	if r.SafeToReset && len(r.Risks) == 0 {
		return VerdictSafe
	}
	for _, risk := range r.Risks {
		if risk.Kind != RiskUnknown {
			return VerdictAtRisk
		}
	}
	return VerdictUnknown
}

// Validate checks the report's internal consistency. In particular a report
// that claims to be safe must carry no risk, and one that is not safe must say
// why, so that no decoding path can turn missing data into "safe".
func (r Report) Validate() error {
	if r.CheckedAt.IsZero() {
		return fmt.Errorf("%w: checked_at is missing", ErrInvalid)
	}
	if r.SafeToReset && len(r.Risks) > 0 {
		return fmt.Errorf("%w: safe_to_reset is true with %d risks", ErrInvalid, len(r.Risks))
	}
	if !r.SafeToReset && len(r.Risks) == 0 {
		return fmt.Errorf("%w: safe_to_reset is false without any risk", ErrInvalid)
	}
	for i, risk := range r.Risks {
		if !risk.Kind.valid() {
			return fmt.Errorf("%w: risks[%d].kind %q is unknown", ErrInvalid, i, risk.Kind)
		}
		if risk.Check == "" {
			return fmt.Errorf("%w: risks[%d].check is missing", ErrInvalid, i)
		}
	}
	for i, a := range r.Accounts {
		if a.Type == "" {
			return fmt.Errorf("%w: accounts[%d].type is missing", ErrInvalid, i)
		}
	}
	if r.Setup != nil && (!r.Setup.Provisioned.valid() || !r.Setup.FRPActive.valid()) {
		return fmt.Errorf("%w: setup %q/%q is not on, off or unknown", ErrInvalid, r.Setup.Provisioned, r.Setup.FRPActive)
	}
	if r.Catalogue < 0 {
		return fmt.Errorf("%w: catalogue %d is negative", ErrInvalid, r.Catalogue)
	}
	if len(r.BootID) > maxBootID {
		return fmt.Errorf("%w: boot_id is %d bytes, limit %d", ErrInvalid, len(r.BootID), maxBootID)
	}
	if !r.FindDevice.valid() {
		return fmt.Errorf("%w: find_device %q is not on, off or unknown", ErrInvalid, r.FindDevice)
	}
	if !r.LostMode.valid() {
		return fmt.Errorf("%w: lost_mode %q is not on, off or unknown", ErrInvalid, r.LostMode)
	}
	return nil
}
