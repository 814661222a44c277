package androidsim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/unbind/unbind/android"
)

// ErrEmptyCommand is returned by Run when argv is empty: adb would open an
// interactive shell, which the simulation does not offer.
var ErrEmptyCommand = errors.New("androidsim: empty command")

// DefaultMaxCalls bounds the call log when Options.MaxCalls is zero.
const DefaultMaxCalls = 1000

// Options configure a Phone. The profile functions (BoundXiaomi, GoogleOnly…)
// return ready Options that callers may adjust before New.
type Options struct {
	Identity Identity
	// Users defaults to an owner named "Owner" with no accounts.
	Users      []User
	FindDevice bool
	LostMode   bool
	Rooted     bool
	// SetupIncomplete makes device_provisioned and user_setup_complete 0.
	SetupIncomplete bool
	// Settings adds or overrides settings, keyed "namespace/key" (e.g.
	// "global/secure_frp_mode").
	Settings map[string]string
	Faults   Faults
	Person   Person
	// Now is the clock; nil means time.Now. The person's actions happen when
	// a command finds that their due time, by this clock, has passed.
	Now func() time.Time
	// MaxCalls bounds the call log (DefaultMaxCalls when zero).
	MaxCalls int
	// ShutdownHidden makes the properties that show a phone going down
	// for a wipe (sys.shutdown.requested, sys.powerctl) read empty, as on a
	// build whose SELinux policy denies them to the shell.
	ShutdownHidden bool
	// Policy is who manages the phone (dumpsys device_policy).
	Policy Policy
	// SystemPackages adds system packages to those every phone of its
	// maker has (pm list packages -s).
	SystemPackages []string
	// HeyTapAccount signs a HeyTap account in on an OPPO phone; whether
	// the shell may read it is Faults.HeyTapProvider.
	HeyTapAccount bool
	// TradeInMode makes the phone an Android 16 one that boots into
	// trade-in mode after a wipe: adb stays on, and its shell answers only
	// `tradeinmode getstatus` until setup. Without it a wiped phone's USB
	// debugging is off.
	TradeInMode bool
	// RecoveryUnlisted makes the phone vanish from a bench's adb while it
	// is in recovery, as on builds whose recovery starts no adbd; without
	// it adb lists the phone as "recovery" (see Bench).
	RecoveryUnlisted bool
}

// Phone is a simulated phone. It implements android.Transport and is safe for
// concurrent use.
type Phone struct {
	now func() time.Time

	mu              sync.Mutex
	id              Identity
	users           []User
	findDevice      bool
	lostMode        bool
	rooted          bool
	setupIncomplete bool
	settings        map[string]string
	policy          Policy
	extraPackages   []string
	heyTapAccount   bool
	tradeInMode     bool
	tradeInFoyer    bool
	faults          Faults
	person          Person
	pending         []pendingAction
	calls           callLog
	forbidden       []Call
	screens         []ScreenOpen
	notifications   []Notification
	resets          []Reset
	pids            int
	// boots counts boots; the boot ID is derived from it and the serial.
	boots          int
	shutdownHidden bool
	// goingDown is the value of sys.shutdown.requested once a reset was
	// confirmed: the phone is on its way into recovery. The simulated phone
	// stays in that moment (its agent keeps running) until Reboot.
	goingDown string
	// What a bench's adb sees (Bench): a cable pulled, a recovery without
	// adbd, USB debugging off after a wipe.
	unplugged        bool
	recoveryUnlisted bool
	adbOff           bool
}

var _ android.Transport = (*Phone)(nil)

// New returns a phone in the state opts describe.
func New(opts Options) *Phone {
	p := &Phone{
		now:             opts.Now,
		id:              opts.Identity,
		users:           cloneUsers(opts.Users),
		findDevice:      opts.FindDevice,
		lostMode:        opts.LostMode,
		rooted:          opts.Rooted,
		setupIncomplete: opts.SetupIncomplete,
		settings:        map[string]string{},
		policy:          opts.Policy,
		extraPackages:   slices.Clone(opts.SystemPackages),
		heyTapAccount:   opts.HeyTapAccount,
		tradeInMode:     opts.TradeInMode,
		faults:          opts.Faults,
		person:          opts.Person,
		calls:           callLog{max: opts.MaxCalls},
		pids:            4000,
		boots:           1,
		shutdownHidden:  opts.ShutdownHidden,

		recoveryUnlisted: opts.RecoveryUnlisted,
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.calls.max <= 0 {
		p.calls.max = DefaultMaxCalls
	}
	if len(p.users) == 0 {
		p.users = []User{Owner("Owner")}
	}
	sortUsers(p.users)
	for k, v := range opts.Settings {
		p.settings[k] = v
	}
	return p
}

// Run runs argv as the adb shell user would. It returns an error only when
// the phone cannot be reached, argv is empty, or ctx ends first (a hanging
// provider query returns ctx.Err() once ctx is done).
func (p *Phone) Run(ctx context.Context, argv ...string) (android.Result, error) {
	if err := ctx.Err(); err != nil {
		return android.Result{}, err
	}
	p.mu.Lock()
	now := p.now()
	p.calls.add(Call{At: now, Argv: slices.Clone(argv)})
	if p.faults.Unreachable {
		err := p.unreachableLocked()
		p.mu.Unlock()
		return android.Result{}, err
	}
	if len(argv) == 0 {
		p.mu.Unlock()
		return android.Result{}, ErrEmptyCommand
	}
	p.applyDueLocked(now)
	pr := &proc{p: p, now: now, argv: argv}
	p.exec(pr, argv)
	p.mu.Unlock()

	if pr.hang {
		// The provider never answers; only the caller's deadline ends it,
		// as with a real phone.
		<-ctx.Done()
		return android.Result{}, ctx.Err()
	}
	return pr.result(), nil
}

func (p *Phone) unreachableLocked() error {
	if p.faults.UnreachableErr != nil {
		return p.faults.UnreachableErr
	}
	return fmt.Errorf("error: device '%s' not found: %w", p.id.Serial, android.ErrDeviceUnreachable)
}

// nextPid returns a plausible, deterministic pid for error texts.
func (p *Phone) nextPid() int {
	p.pids += 7
	return p.pids
}

// Call is one command the phone was asked to run.
type Call struct {
	At   time.Time
	Argv []string
}

// callLog keeps the newest max calls in a ring.
type callLog struct {
	max   int
	buf   []Call
	start int
	total int
}

func (l *callLog) add(c Call) {
	l.total++
	if len(l.buf) < l.max {
		l.buf = append(l.buf, c)
		return
	}
	l.buf[l.start] = c
	l.start = (l.start + 1) % len(l.buf)
}

func (l *callLog) list() []Call {
	out := make([]Call, 0, len(l.buf))
	for i := range l.buf {
		c := l.buf[(l.start+i)%len(l.buf)]
		c.Argv = slices.Clone(c.Argv)
		out = append(out, c)
	}
	return out
}
