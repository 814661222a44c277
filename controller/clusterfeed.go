package controller

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/unbind/unbind/controller/registry"
)

// Controllers sharing a registry learn of each other's writes through the
// registry itself: each appends a numbered row per burst of writes naming
// the devices (registry.Change), and each polls the others' newest numbers.
// A poll of a small indexed table was chosen over PostgreSQL's
// LISTEN/NOTIFY: it needs no second kind of connection, works the same on
// any engine the registry runs on, loses nothing while a controller is
// disconnected (it reads on from the last number it saw), and its cost is
// one cheap query per poll whatever the fleet size. The price is up to
// changePollEvery of delay.
const (
	changePollEvery  = 200 * time.Millisecond
	changeFlushEvery = 100 * time.Millisecond
	// changeKeep is how long a writer keeps its rows: far longer than a
	// poll, so a reader that was slow or briefly cut off still finds them.
	changeKeep = 10 * time.Minute
	// changeReadLimit bounds the rows read from one writer per query.
	changeReadLimit = 500
)

// Change kinds.
const (
	// changeDevice: reports, presence or command events of the devices
	// were written.
	changeDevice = "device"
	// changeRelease: releases of the devices were created or moved.
	changeRelease = "release"
)

// clusterFeed is this controller's side of the change feed: what it wrote
// and has yet to announce, and its next change number.
type clusterFeed struct {
	mu      sync.Mutex
	pending map[string]map[string]struct{} // kind -> devices
	seq     int64
	wake    chan struct{}
}

// announce queues kind for the devices, for the other controllers; alone,
// a controller announces nothing. It never blocks.
func (c *Controller) announce(kind string, ids map[string]struct{}) {
	f := c.feed
	if f == nil || len(ids) == 0 {
		return
	}
	f.mu.Lock()
	set := f.pending[kind]
	if set == nil {
		set = map[string]struct{}{}
		f.pending[kind] = set
	}
	maps.Copy(set, ids)
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// startClusterFeed runs the feed of a controller in a share group: it
// writes what the controller announced and follows the others' writes,
// waking this controller's releases, live views, dispatcher and webhook
// worker as its own writes would.
func (c *Controller) startClusterFeed(ctx context.Context) error {
	if c.cfg.ShareGroup == "" {
		return nil
	}
	heads, err := c.reg.ChangeHeads(ctx)
	if err != nil {
		return err
	}
	// Carry on from this writer's last number; of the others, only what
	// comes next matters (a sweep covers what came before).
	c.feed = &clusterFeed{pending: map[string]map[string]struct{}{}, seq: heads[c.instance()], wake: make(chan struct{}, 1)}
	delete(heads, c.instance())
	c.wg.Add(2)
	go func() {
		defer c.wg.Done()
		c.writeChanges(ctx)
	}()
	go func() {
		defer c.wg.Done()
		c.followChanges(ctx, heads)
	}()
	return nil
}

// writeChanges writes the announced changes, one row per kind, at most
// every changeFlushEvery, and prunes this writer's old rows.
func (c *Controller) writeChanges(ctx context.Context) {
	f := c.feed
	flush := time.NewTicker(changeFlushEvery)
	defer flush.Stop()
	prune := time.NewTicker(changeKeep / 4)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-prune.C:
			if err := c.reg.PruneChanges(ctx, c.instance(), c.cfg.Now().Add(-changeKeep)); err != nil && ctx.Err() == nil {
				c.log.Warn("cluster: prune changes", "err", err)
			}
			continue
		case <-f.wake:
		}
		select { // gather for a moment: one row per burst, not per write
		case <-ctx.Done():
			return
		case <-flush.C:
		}
		f.mu.Lock()
		pending := f.pending
		f.pending = map[string]map[string]struct{}{}
		f.mu.Unlock()
		for _, kind := range slices.Sorted(maps.Keys(pending)) {
			f.seq++
			ch := registry.Change{Writer: c.instance(), Seq: f.seq, Kind: kind, Devices: slices.Sorted(maps.Keys(pending[kind])), At: c.cfg.Now().UTC()}
			if err := c.reg.AppendChange(ctx, ch); err != nil && ctx.Err() == nil {
				// The others' sweeps still find what changed, later.
				c.log.Warn("cluster: announce changes", "kind", kind, "devices", len(ch.Devices), "err", err)
			}
		}
	}
}

// followChanges polls the other writers' changes every changePollEvery and
// wakes what each kind concerns. seen holds the last number read of each
// writer.
func (c *Controller) followChanges(ctx context.Context, seen map[string]int64) {
	poll := time.NewTicker(changePollEvery)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
		heads, err := c.reg.ChangeHeads(ctx)
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("cluster: read change heads", "err", err)
			}
			continue
		}
		for writer, head := range heads {
			if writer == c.instance() || head <= seen[writer] {
				continue
			}
			for head > seen[writer] {
				cs, err := c.reg.ChangesAfter(ctx, writer, seen[writer], changeReadLimit)
				if err != nil || len(cs) == 0 {
					if err != nil && ctx.Err() == nil {
						c.log.Warn("cluster: read changes", "writer", writer, "err", err)
					}
					break
				}
				for _, ch := range cs {
					c.applyForeignChange(ch)
				}
				seen[writer] = cs[len(cs)-1].Seq
			}
		}
	}
}

// applyForeignChange wakes what another controller's write concerns here.
func (c *Controller) applyForeignChange(ch registry.Change) {
	ids := make(map[string]struct{}, len(ch.Devices))
	for _, id := range ch.Devices {
		ids[id] = struct{}{}
	}
	switch ch.Kind {
	case changeDevice:
		c.releaseWake.add(ids)
		c.events.devices(EventDevice, ids)
		c.wakeDispatch()
	case changeRelease:
		c.releaseWake.add(ids)
		c.events.devices(EventRelease, ids)
	case changeLogins:
		if c.brokerFiles != nil {
			c.brokerFiles.changed()
		}
	}
	// Their writes may have queued webhook deliveries this controller's
	// worker should see when their claims lapse.
	c.reg.WakeOutbox()
}
