package androidsim

import (
	"slices"
	"strings"
	"time"
)

// ResetMethod says how a simulated factory reset was started.
type ResetMethod string

const (
	// ResetBroadcast: the FACTORY_RESET broadcast, sent as root.
	ResetBroadcast ResetMethod = "root_broadcast"
	// ResetSettings: the person confirmed the Settings reset screen.
	ResetSettings ResetMethod = "settings"
	// ResetTestHarness: cmd testharness enable, a forbidden call.
	ResetTestHarness ResetMethod = "testharness"
)

// Locks a phone can boot into after a reset. A reset is safe for resale only
// when it leaves none.
const (
	LockGoogleFRP  = "google_frp"
	LockMiAccount  = "mi_find_device"
	LockSamsung    = "samsung_reactivation"
	LockHuaweiID   = "huawei_id"
	LockXiaomiLost = "xiaomi_lost_mode"
	LockVivo       = "vivo_account"
	LockHonorID    = "honor_id"
	LockVendor     = "vendor_account"
	// Locks no reset clears: the organisation's or the financer's, and a
	// phone already waiting at FRP.
	LockManaged       = "managed_device"
	LockEnterpriseFRP = "enterprise_frp"
	LockKnoxGuard     = "knox_guard"
	LockFRPActive     = "frp_active"
)

// Reset records one factory reset.
type Reset struct {
	At     time.Time
	Method ResetMethod
	// Locks are the activation locks the phone asks for on its first boot
	// after this reset. A Settings reset, confirmed with the passwords,
	// clears FRP and Find Device itself; a broadcast keeps every armed lock.
	// Lost mode is held by the server and survives any reset.
	Locks []string
}

// resetLocked wipes the phone: accounts, secondary users, Find Device and
// setup. Root stays (it lives in the boot image) and so does lost mode.
func (p *Phone) resetLocked(at time.Time, m ResetMethod) {
	r := Reset{At: at, Method: m}
	if m != ResetSettings {
		r.Locks = p.armedLocksLocked()
	}
	if p.lostMode {
		r.Locks = append(r.Locks, LockXiaomiLost)
	}
	r.Locks = append(r.Locks, p.lastingLocksLocked()...)
	if p.faults.ResetKeepsFRP && !slices.Contains(r.Locks, LockFRPActive) {
		p.settings["global/secure_frp_mode"] = "1"
		r.Locks = append(r.Locks, LockFRPActive)
	}
	p.resets = appendBounded(p.resets, r, maxRecords)

	owner := Owner("Owner")
	for _, u := range p.users {
		if u.ID == 0 {
			owner.Flags = u.Flags
		}
	}
	p.users = []User{owner}
	p.findDevice = false
	p.setupIncomplete = true

	p.pending = nil
	p.goingDown = "1recovery"
}

// armedLocksLocked lists the locks that would survive a reset that does not
// clear them (everything but lost mode, which is added apart).
func (p *Phone) armedLocksLocked() []string {
	var locks []string
	if p.hasAccountTypeLocked(TypeGoogle) {
		locks = append(locks, LockGoogleFRP)
	}
	if p.hasAccountTypeLocked(TypeXiaomi) && p.findDevice {
		locks = append(locks, LockMiAccount)
	}
	if p.hasAccountTypeLocked(TypeSamsung) {
		locks = append(locks, LockSamsung)
	}
	if p.hasAccountTypeLocked(TypeHuawei) {
		locks = append(locks, LockHuaweiID)
	}
	if p.hasAccountTypeLocked(TypeVivo) {
		locks = append(locks, LockVivo)
	}
	if p.hasAccountTypeLocked(TypeHonor) {
		locks = append(locks, LockHonorID)
	}
	if p.hasAccountTypeLocked(TypeMotoID) {
		locks = append(locks, LockVendor)
	}
	return locks
}

// lastingLocksLocked lists the locks that survive any reset, even one from
// Settings: a managed phone re-enrols, a company reset protection policy
// and Knox Guard outlive the wipe, and a phone already at FRP stays there.
func (p *Phone) lastingLocksLocked() []string {
	var locks []string
	if p.policy.managed() {
		locks = append(locks, LockManaged)
	}
	if len(p.policy.FRPAccounts) > 0 {
		locks = append(locks, LockEnterpriseFRP)
	}
	switch strings.ToLower(p.id.Props["knox.kg.state"]) {
	case "prenormal", "checking", "active", "locked":
		locks = append(locks, LockKnoxGuard)
	}
	if v, _ := p.setting("global", "secure_frp_mode"); v == "1" {
		locks = append(locks, LockFRPActive)
	}
	return locks
}
