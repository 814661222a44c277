package controller

import (
	"context"
	"sync"
	"time"

	"github.com/unbind/unbind/controller/registry"
)

// releaseLeaseTTL is how long a controller's lease on a release lasts
// unrenewed: a controller that dies hands its releases to another within
// it. It must exceed the clock difference between the controllers (leases
// expire on the holder's clock and are taken on the taker's) and the
// longest stall a live controller may have.
const releaseLeaseTTL = 15 * time.Second

// leaseBook is what the release loop knows of the leases, so that most
// passes need no lease query: the releases it holds and until when, and
// those another controller holds, not to be claimed again before their
// lease lapses. Only the release loop uses it (under releaseMu).
type leaseBook struct {
	mu      sync.Mutex
	held    map[string]time.Time // release -> expiry
	foreign map[string]time.Time // release -> the other holder's expiry
	// renewedAt is when the held leases were last renewed in the registry.
	renewedAt time.Time
}

func newLeaseBook() *leaseBook {
	return &leaseBook{held: map[string]time.Time{}, foreign: map[string]time.Time{}}
}

// leased keeps of rs the releases this controller holds a lease on, taking
// the leases of those free or lapsed. Held leases are renewed in one write
// once a third of their time has passed, so a live controller keeps its
// releases. A registry error keeps only the releases whose leases are
// still known to be held: fail closed, never drive another's release.
func (c *Controller) leased(ctx context.Context, rs []registry.ReleaseRecord) []registry.ReleaseRecord {
	b := c.leases
	b.mu.Lock()
	defer b.mu.Unlock()
	now := c.cfg.Now().UTC()
	if now.Sub(b.renewedAt) >= releaseLeaseTTL/3 || now.Before(b.renewedAt) {
		c.renewLeasesLocked(ctx, now)
	}
	var claim []string
	deviceOf := make(map[string]string, len(rs))
	for _, r := range rs {
		deviceOf[r.ID] = r.DeviceID
		if exp, ok := b.held[r.ID]; ok && now.Before(exp) {
			continue
		}
		if exp, ok := b.foreign[r.ID]; ok && now.Before(exp) {
			continue
		}
		claim = append(claim, r.ID)
	}
	if len(claim) > 0 {
		got, err := c.reg.ClaimReleases(ctx, c.instance(), claim, now, releaseLeaseTTL)
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("releases: claim leases", "releases", len(claim), "err", err)
			}
		}
		var takenOver map[string]struct{}
		for id, l := range got {
			if l.TakenFrom != "" {
				if takenOver == nil {
					takenOver = map[string]struct{}{}
				}
				takenOver[deviceOf[id]] = struct{}{}
			}
			if l.Owner == c.instance() {
				b.held[id] = l.Expires
				delete(b.foreign, id)
			} else {
				b.foreign[id] = l.Expires
				delete(b.held, id)
			}
		}
		if len(takenOver) > 0 {
			c.log.Info("releases: taken over from a controller whose leases lapsed", "releases", len(takenOver))
			c.rereadRetained(takenOver)
		}
	}
	out := rs[:0:0]
	for _, r := range rs {
		if exp, ok := b.held[r.ID]; ok && now.Before(exp) {
			out = append(out, r)
		}
	}
	return out
}

// renewLeasesLocked renews every lease this controller holds and makes
// the book say so; b.mu is held.
func (c *Controller) renewLeasesLocked(ctx context.Context, now time.Time) {
	b := c.leases
	held, err := c.reg.RenewReleaseLeases(ctx, c.instance(), now, releaseLeaseTTL)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("releases: renew leases", "err", err)
		}
		return
	}
	b.held = make(map[string]time.Time, len(held))
	for _, id := range held {
		b.held[id] = now.Add(releaseLeaseTTL)
	}
	b.renewedAt = now
}

// keepLeases renews the held leases every third of their time, apart from
// the release loop: a pass over thousands of releases behind the
// registry's write lock can outlast a lease, and a lease renewed only
// between passes lapsed under a live controller, so that the other one
// took its releases over and the first one's moves were refused (measured
// with 10,000 phones on two controllers: 9,657 releases taken over, 7,485
// moves thrown away, none of them from a dead controller).
func (c *Controller) keepLeases(ctx context.Context) {
	tick := time.NewTicker(releaseLeaseTTL / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			b := c.leases
			b.mu.Lock()
			if now := c.cfg.Now().UTC(); len(b.held) > 0 && (now.Sub(b.renewedAt) >= releaseLeaseTTL/3 || now.Before(b.renewedAt)) {
				c.renewLeasesLocked(ctx, now)
			}
			b.mu.Unlock()
		}
	}
}

// forget drops what the book knows of releases that ended.
func (b *leaseBook) forget(ids []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		delete(b.held, id)
		delete(b.foreign, id)
	}
}

// stepReleases saves release moves while this controller holds their
// leases (registry.StepLeasedReleases); it returns the refused ones, which
// must not send anything.
func (c *Controller) stepReleases(ctx context.Context, steps []registry.ReleaseStep) (map[string]bool, error) {
	refused, err := c.reg.StepLeasedReleases(ctx, c.instance(), c.cfg.Now().UTC(), steps)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(refused))
	var lost, ended []string
	for _, st := range refused {
		out[st.Release.ID] = true
		lost = append(lost, st.Release.ID)
	}
	for _, st := range steps {
		if st.Release.Finished() && !out[st.Release.ID] {
			ended = append(ended, st.Release.ID)
		}
	}
	if len(lost) > 0 {
		// Another controller took these releases over, or an operator moved
		// them meanwhile: the next pass decides again on what is stored.
		c.log.Info("releases: moves not saved (lease lost or release changed)", "releases", len(lost))
		c.leases.forget(lost)
	}
	c.leases.forget(ended)
	return out, nil
}
