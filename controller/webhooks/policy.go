package webhooks

import (
	"time"

	"github.com/unbind/unbind/controller/registry"
)

// Policy bounds retries. The zero value is usable: see the defaults.
type Policy struct {
	// Base is the first retry's delay (default 10 s); each later one
	// doubles, up to Max (default 1 h).
	Base time.Duration
	Max  time.Duration
	// GiveUpAfter is how long after the event a delivery may still be
	// tried (default 24 h); then it ends failed.
	GiveUpAfter time.Duration
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
	// Concurrency bounds attempts in flight (default 4).
	Concurrency int
}

// WithDefaults fills the zero fields.
func (p Policy) WithDefaults() Policy {
	if p.Base <= 0 {
		p.Base = 10 * time.Second
	}
	if p.Max <= 0 {
		p.Max = time.Hour
	}
	if p.GiveUpAfter <= 0 {
		p.GiveUpAfter = 24 * time.Hour
	}
	if p.Timeout <= 0 {
		p.Timeout = 10 * time.Second
	}
	if p.Concurrency <= 0 {
		p.Concurrency = 4
	}
	return p
}

// Backoff is the delay after the attempt-th failed attempt (1 for the
// first): Base·2^(attempt-1), capped at Max, then scaled by a jitter factor
// in [0.5, 1) drawn from rnd in [0, 1), so that receivers coming back up
// are not hit by every sender at once.
func (p Policy) Backoff(attempt int, rnd float64) time.Duration {
	d := p.Base
	for i := 1; i < attempt && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	rnd = min(max(rnd, 0), 1)
	return time.Duration(float64(d) * (0.5 + rnd/2))
}

// Result is what one attempt got: the HTTP status, or the error that kept
// it from getting one.
type Result struct {
	Status int
	Err    error
}

// Acknowledged reports whether the receiver took the event: a 2xx answer.
func (r Result) Acknowledged() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Decide is the delivery's next state after an attempt at now that was the
// attempts-th: delivered on a 2xx; otherwise pending again after Backoff,
// or failed when that would pass GiveUpAfter since created.
func (p Policy) Decide(r Result, attempts int, created, now time.Time, rnd float64) (state string, next time.Time) {
	if r.Acknowledged() {
		return registry.DeliveryDelivered, now
	}
	next = now.Add(p.Backoff(attempts, rnd))
	if next.After(created.Add(p.GiveUpAfter)) {
		return registry.DeliveryFailed, now
	}
	return registry.DeliveryPending, next
}
