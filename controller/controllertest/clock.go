package controllertest

import (
	"sync"
	"testing"
	"time"

	"github.com/unbind/unbind/controller"
)

// Clock is a controller's time a test moves on: the wall clock plus
// whatever the test advanced it by, so that real parts (agents, the broker,
// simulated people) keep their own pace while the controller's deadlines
// arrive when the test says. Use it with Start(t, clock.Configure).
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	ticks  chan controller.Tick
}

// NewClock returns a clock at the wall clock's time.
func NewClock() *Clock {
	return &Clock{ticks: make(chan controller.Tick)}
}

// Configure makes cfg's controller run on the clock.
func (k *Clock) Configure(cfg *controller.Config) {
	cfg.Now = k.Now
	cfg.Ticks = k.ticks
}

// Now is the wall clock plus every Advance so far.
func (k *Clock) Now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return time.Now().Add(k.offset)
}

// Advance moves the clock on by d, then runs the controller's time-driven
// passes (every running release decided, commands expired, delivered and
// redelivered) against the new time and returns once they are over. d 0 only runs the
// passes: a test that needs "a pass happened" calls it instead of sleeping.
func (k *Clock) Advance(t testing.TB, d time.Duration) {
	t.Helper()
	k.mu.Lock()
	k.offset += d
	k.mu.Unlock()
	tick := controller.Tick{Done: make(chan struct{})}
	select {
	case k.ticks <- tick:
	case <-time.After(30 * time.Second):
		t.Fatalf("the controller did not take a tick within 30s (is it running on this clock?)")
	}
	select {
	case <-tick.Done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the controller's time-driven passes did not end within 30s")
	}
}
