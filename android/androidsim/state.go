package androidsim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

var (
	// ErrNoSuchUser: the phone has no user with that id.
	ErrNoSuchUser = errors.New("no such user")
	// ErrNoMiAccount: Find Device cannot be on without a Mi account.
	ErrNoMiAccount = errors.New("find device needs a com.xiaomi account")
)

// Accessors report the state as of now: any action of the person that has
// come due is carried out first, as a command would.

// lockNow takes the lock and brings the person's actions up to date.
func (p *Phone) lockNow() {
	p.mu.Lock()
	p.applyDueLocked(p.now())
}

// Serial returns the phone's serial number (its device id).
func (p *Phone) Serial() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.id.Serial
}

// Identity returns what getprop reports.
func (p *Phone) Identity() Identity {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := p.id
	id.Props = maps.Clone(p.id.Props)
	return id
}

// Users returns the users and their accounts.
func (p *Phone) Users() []User {
	p.lockNow()
	defer p.mu.Unlock()
	return cloneUsers(p.users)
}

// Accounts returns every account of every user.
func (p *Phone) Accounts() []Account {
	p.lockNow()
	defer p.mu.Unlock()
	var out []Account
	for _, u := range p.users {
		out = append(out, u.Accounts...)
	}
	return out
}

// FindDevice reports whether Find Device is on.
func (p *Phone) FindDevice() bool {
	p.lockNow()
	defer p.mu.Unlock()
	return p.findDevice
}

// SetFindDevice switches Find Device. It refuses to switch it on without a
// Mi account, which a real phone cannot do either.
func (p *Phone) SetFindDevice(on bool) error {
	p.lockNow()
	defer p.mu.Unlock()
	if on && !p.hasAccountTypeLocked(TypeXiaomi) {
		return fmt.Errorf("switch find device on for %s: %w", p.id.Serial, ErrNoMiAccount)
	}
	p.findDevice = on
	return nil
}

// LostMode reports whether the phone is in Xiaomi lost mode.
func (p *Phone) LostMode() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lostMode
}

// SetLostMode puts the phone in or out of lost mode.
func (p *Phone) SetLostMode(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lostMode = on
}

// Rooted reports whether su exists.
func (p *Phone) Rooted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rooted
}

// SetRooted adds or removes su.
func (p *Phone) SetRooted(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rooted = on
}

// Faults returns how the phone fails.
func (p *Phone) Faults() Faults {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults
}

// SetFaults changes how the phone fails from the next command on, e.g. to
// make it unreachable.
func (p *Phone) SetFaults(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = f
}

// Person returns the person at the phone.
func (p *Phone) Person() Person {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.person
}

// SetPerson replaces the person at the phone. Actions already scheduled keep
// the behaviour they were scheduled with.
func (p *Phone) SetPerson(person Person) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.person = person
}

// AddAccount signs an account in for a user.
func (p *Phone) AddAccount(userID int, a Account) error {
	p.lockNow()
	defer p.mu.Unlock()
	for i := range p.users {
		if p.users[i].ID == userID {
			p.users[i].Accounts = append(p.users[i].Accounts, a)
			return nil
		}
	}
	return fmt.Errorf("add account to user %d of %s: %w", userID, p.id.Serial, ErrNoSuchUser)
}

// RemoveAccounts removes every account of the given types from every user
// and returns how many it removed. Removing the last Mi account switches
// Find Device off.
func (p *Phone) RemoveAccounts(types ...string) int {
	p.lockNow()
	defer p.mu.Unlock()
	return p.removeAccountsLocked(func(_ User, a Account) bool { return slices.Contains(types, a.Type) })
}

// Calls returns the newest commands run (at most Options.MaxCalls), oldest
// first.
func (p *Phone) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls.list()
}

// CallCount returns how many commands were run in all, including those the
// bounded log has dropped.
func (p *Phone) CallCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls.total
}

// ForbiddenCalls returns the commands that ran `cmd testharness`. A correct
// adapter never makes one.
func (p *Phone) ForbiddenCalls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := slices.Clone(p.forbidden)
	for i := range out {
		out[i].Argv = slices.Clone(out[i].Argv)
	}
	return out
}

// Screens returns the screens the agent opened, oldest first.
func (p *Phone) Screens() []ScreenOpen {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.screens)
}

// Notifications returns the notifications posted, oldest first.
func (p *Phone) Notifications() []Notification {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.notifications)
}

// WasReset reports whether the phone was factory-reset at least once.
func (p *Phone) WasReset() bool {
	return p.ResetCount() > 0
}

// ResetCount returns how many times the phone was factory-reset.
func (p *Phone) ResetCount() int {
	p.lockNow()
	defer p.mu.Unlock()
	return len(p.resets)
}

// Resets returns every factory reset, oldest first.
func (p *Phone) Resets() []Reset {
	p.lockNow()
	defer p.mu.Unlock()
	out := slices.Clone(p.resets)
	for i := range out {
		out[i].Locks = slices.Clone(out[i].Locks)
	}
	return out
}

// LocksAfterReset returns the locks the phone came up with after its last
// reset: nil when it was never reset or the reset left it sellable.
func (p *Phone) LocksAfterReset() []string {
	rs := p.Resets()
	if len(rs) == 0 {
		return nil
	}
	return rs[len(rs)-1].Locks
}
