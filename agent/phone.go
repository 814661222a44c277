package agent

import (
	"context"
	"errors"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Phone is what the agent needs from a phone. The Android adapter implements
// it over a shell on the phone or over adb; the simulated phone used by tests
// and the demo is a scripted shell under that same adapter.
type Phone interface {
	// Observe reads everything the safety verdict depends on. It returns an
	// error only when the phone could not be queried at all; a single check
	// that failed is recorded in the Observation as a Problem.
	Observe(ctx context.Context) (Observation, error)
	// Guide opens the screen for step and tells the person at the phone what
	// to do there. It does not wait for them.
	Guide(ctx context.Context, step GuideStep) error
	// FactoryReset starts a factory reset. The caller must have verified, just
	// before, that the phone is safe to reset.
	FactoryReset(ctx context.Context) (ResetMethod, error)
}

// WipeWatcher is implemented by phones that can tell that a wipe started
// after the reset screen was opened: the person confirmed, and the phone is
// going down into recovery. The agent watches with it while the person at
// the phone has yet to confirm.
type WipeWatcher interface {
	// LookForWipe looks once. A zero WipeSign means nothing showed a wipe,
	// which is no evidence either way.
	LookForWipe(ctx context.Context) (WipeSign, error)
}

// WipeSign is what one look for a wipe saw.
type WipeSign struct {
	// Evidence is protocol.EvidenceWipeStarted when the phone was seen
	// going down into recovery, protocol.EvidenceADBLost when the bench's
	// adb no longer lists it (a pulled cable looks the same), "" when
	// nothing showed.
	Evidence protocol.ResetEvidence
	// Signal says what was seen, as it was seen (e.g.
	// "sys.powerctl=reboot,recovery", "adb: recovery").
	Signal string
}

// ErrNotSupported is returned by a Phone that cannot carry out a request on
// this device (for example a guide screen the vendor does not have).
var ErrNotSupported = errors.New("not supported on this phone")

// GuideStep is a screen the person at the phone is sent to.
type GuideStep string

const (
	// GuideMiAccount: the Mi account screen, to sign out of the Mi account.
	GuideMiAccount GuideStep = "mi_account"
	// GuideFindDevice: the Find Device screen, to switch Find Device off.
	GuideFindDevice GuideStep = "find_device"
	// GuideAccounts: the generic accounts screen, to remove Google, Samsung
	// and other lock-bearing accounts.
	GuideAccounts GuideStep = "accounts"
)

// ResetMethod says how a factory reset was started.
type ResetMethod string

const (
	// ResetBroadcast: the reset broadcast was sent as root; the phone wipes now.
	ResetBroadcast ResetMethod = "root_broadcast"
	// ResetSettingsScreen: the vendor's reset screen was opened; the person at
	// the phone confirms it there (which also clears FRP).
	ResetSettingsScreen ResetMethod = "settings_screen"
)

// Observation is what one read of the phone found, before any judgement.
// Account names in it are raw personal data: only Assess turns them into a
// report, masked unless asked otherwise.
type Observation struct {
	Identity protocol.Identity
	// Users holds the accounts of every user whose accounts were read.
	Users []UserAccounts
	// FindDevice is the Find Device provider's answer. When it is unknown,
	// FindDeviceReason says why (denied, hung, no provider).
	FindDevice       protocol.Tri
	FindDeviceReason string
	// LostMode is off on phones where the check does not apply.
	LostMode protocol.Tri
	Rooted   bool
	// BootID names the current boot of the phone; "" when unreadable.
	BootID string
	// Authenticators maps account types to the package that provides
	// them, for the types the catalogue does not judge by type alone; a
	// type missing from it was not found.
	Authenticators map[string]string
	// SystemPackages holds the phone's system packages; nil when they were
	// not read (or not needed).
	SystemPackages map[string]bool
	// Management is what device policy says about who manages the phone.
	Management Management
	// Setup says whether the phone already waits at factory reset
	// protection.
	Setup SetupState
	// Probes holds the answer of every probe that ran, by probe name.
	Probes map[string]ProbeResult
	// Problems lists every check that could not be completed, except Find
	// Device, which Assess judges from FindDevice and the accounts.
	Problems   []Problem
	ObservedAt time.Time
}

// Management is who manages the phone, from device policy. Package names
// are an app's, never a person's.
type Management struct {
	// Read is false when device policy could not be read; Reason then says
	// why, and the phone cannot be judged safe.
	Read   bool
	Reason string
	// DeviceOwner is the device owner's package, "" when there is none.
	DeviceOwner string
	// OrgOwnedProfileOwners are the profile owners of an organisation-owned
	// phone (a work profile the company controls beyond itself).
	OrgOwnedProfileOwners []ProfileOwner
	// FRPPolicyAccounts counts the accounts of an enabled factory reset
	// protection policy set by an admin; 0 when none is set.
	FRPPolicyAccounts int
	// ResetRestricted: a policy sets the no_factory_reset restriction.
	ResetRestricted bool
}

// ProfileOwner is one profile owner.
type ProfileOwner struct {
	User    int
	Package string
}

// SetupState is where the phone stands in its own setup.
type SetupState struct {
	// FRPActive is on only while the phone asks for a previous owner's
	// account (secure_frp_mode 1).
	FRPActive protocol.Tri
	// Provisioned is on once setup finished (device_provisioned 1).
	Provisioned protocol.Tri
	// Reason says why FRPActive is unknown.
	Reason string
	// TradeIn: the phone answered from Android 16's trade-in mode, which
	// only a factory-reset phone before its setup enters; nothing else of
	// it could be read, and FRPActive is what trade-in mode said.
	TradeIn bool
}

// UserAccounts is the account list of one Android user (owner, secondary
// user, work profile, Secure Folder, clone space).
type UserAccounts struct {
	UserID   int
	UserName string
	Accounts []RawAccount
}

// RawAccount is an account as the phone lists it. Name is personal data.
type RawAccount struct {
	Type string
	Name string
}

// Problem is a check that could not be completed; it makes the verdict unknown.
type Problem struct {
	// Check names the check, e.g. "dumpsys account" or "lost mode".
	Check string
	// User is the Android user the check was about, if any.
	User *int
	// Reason is what went wrong, free of personal data, e.g. "Permission Denial".
	Reason string
}
