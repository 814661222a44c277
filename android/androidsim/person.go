package androidsim

import (
	"slices"
	"time"
)

// Behaviour is what the person at the phone does when the agent opens a
// screen for them.
type Behaviour int

const (
	// Never: nobody acts on any screen (the zero value).
	Never Behaviour = iota
	// Complies: the person knows every password and does what the screen is
	// for: signs out of the Mi account (which also switches Find Device off),
	// switches Find Device off, removes every lock-bearing account of every
	// user, confirms a Settings reset.
	Complies
	// Partly: the person knows only their Google password. On the accounts
	// screen they remove the Google accounts of the owner and nothing else;
	// they cannot sign out of a Mi, Samsung or Huawei account, switch Find
	// Device off, or confirm a reset that asks for a vendor password.
	Partly
	// Cancels: the person does everything Complies does, except on the
	// reset screen, which they back out of: the phone is never reset.
	Cancels
)

func (b Behaviour) String() string {
	switch b {
	case Never:
		return "never"
	case Complies:
		return "complies"
	case Partly:
		return "partly"
	case Cancels:
		return "cancels"
	}
	return "unknown"
}

// Person is the simulated person at the phone.
type Person struct {
	Behaviour Behaviour
	// Delay is how long after a screen opens the person acts there.
	Delay time.Duration
}

// Typical delays, for tests and the demo fleet.
const (
	PromptDelay = 5 * time.Second
	LateDelay   = 60 * time.Second
)

// ScreenOpen records a screen the agent opened.
type ScreenOpen struct {
	At     time.Time
	Screen Screen
	// Intent is the intent as am printed it.
	Intent string
}

type pendingAction struct {
	due       time.Time
	screen    Screen
	behaviour Behaviour
}

// openScreenLocked records a screen and, if it is one the person acts on,
// schedules their action. A screen already waiting for the person is not
// scheduled twice: agents re-open screens while they poll.
func (p *Phone) openScreenLocked(now time.Time, s Screen, in string) {
	p.screens = appendBounded(p.screens, ScreenOpen{At: now, Screen: s, Intent: in}, maxRecords)
	if s == ScreenOther || p.person.Behaviour == Never {
		return
	}
	if slices.ContainsFunc(p.pending, func(a pendingAction) bool { return a.screen == s }) {
		return
	}
	p.pending = append(p.pending, pendingAction{due: now.Add(p.person.Delay), screen: s, behaviour: p.person.Behaviour})
}

// applyDueLocked carries out, in due order, every action whose time has come.
func (p *Phone) applyDueLocked(now time.Time) {
	if len(p.pending) == 0 {
		return
	}
	slices.SortStableFunc(p.pending, func(a, b pendingAction) int { return a.due.Compare(b.due) })
	n := 0
	for n < len(p.pending) && !p.pending[n].due.After(now) {
		n++
	}
	due := slices.Clone(p.pending[:n])
	p.pending = slices.Delete(p.pending, 0, n)
	for _, a := range due {
		p.actLocked(a)
	}
}

func (p *Phone) actLocked(a pendingAction) {
	switch a.behaviour {
	case Cancels:
		if a.screen != ScreenReset {
			p.actLocked(pendingAction{due: a.due, screen: a.screen, behaviour: Complies})
		}
	case Complies:
		switch a.screen {
		case ScreenMiAccount:
			p.removeAccountsLocked(func(_ User, acc Account) bool { return acc.Type == TypeXiaomi })
		case ScreenFindDevice:
			p.findDevice = false
		case ScreenAccounts:
			p.removeAccountsLocked(func(_ User, acc Account) bool { return isLockType(acc.Type) })
		case ScreenReset:
			p.resetLocked(a.due, ResetSettings)
		}
	case Partly:
		switch a.screen {
		case ScreenAccounts:
			p.removeAccountsLocked(func(u User, acc Account) bool { return u.ID == 0 && acc.Type == TypeGoogle })
		case ScreenReset:
			if !p.hasVendorLockLocked() {
				p.resetLocked(a.due, ResetSettings)
			}
		}
	}
}

// removeAccountsLocked removes the matching accounts. Find Device cannot stay
// on without a Mi account, so it goes off with the last one.
func (p *Phone) removeAccountsLocked(match func(User, Account) bool) int {
	removed := 0
	for i := range p.users {
		u := p.users[i]
		kept := u.Accounts[:0:0]
		for _, acc := range u.Accounts {
			if match(u, acc) {
				removed++
				continue
			}
			kept = append(kept, acc)
		}
		p.users[i].Accounts = kept
	}
	if !p.hasAccountTypeLocked(TypeXiaomi) {
		p.findDevice = false
	}
	return removed
}

// hasVendorLockLocked reports an account whose removal, or a Settings reset,
// asks for the vendor account's password.
func (p *Phone) hasVendorLockLocked() bool {
	for _, u := range p.users {
		for _, a := range u.Accounts {
			if isVendorLockType(a.Type) {
				return true
			}
		}
	}
	return false
}

// maxRecords bounds the screen, notification and forbidden-call records.
const maxRecords = 200

func appendBounded[T any](s []T, v T, limit int) []T {
	if len(s) >= limit {
		s = slices.Delete(s, 0, len(s)-limit+1)
	}
	return append(s, v)
}
