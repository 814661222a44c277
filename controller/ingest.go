package controller

import (
	"context"
	"errors"
	"fmt"
	"github.com/unbind/unbind/api"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// inbound is one MQTT message as it arrived.
type inbound struct {
	topic      string
	payload    []byte
	receivedAt time.Time
}

var rejectReasons = []string{"too_large", "unknown_version", "malformed", "invalid", "bad_topic", "id_mismatch", "clock_skew"}

type counters struct {
	received, superseded, applied, stale, orphans, skipped, batches, writeErrors atomic.Uint64
	rejected                                                                     map[string]*atomic.Uint64
	// Failed enrollments, and attempts refused unread because their address
	// failed too often.
	enrollFailed, enrollThrottled atomic.Uint64
}

func newCounters() *counters {
	c := &counters{rejected: make(map[string]*atomic.Uint64)}
	for _, r := range rejectReasons {
		c.rejected[r] = new(atomic.Uint64)
	}
	return c
}

// EnrollStats counts failed enrollments since the controller started.
type EnrollStats struct {
	// Failed enrollments were refused: unknown, used or expired tokens,
	// identity takeovers, invalid device IDs.
	Failed uint64 `json:"failed"`
	// Throttled attempts came from an address that had failed too often and
	// were refused without looking at the token.
	Throttled uint64 `json:"throttled"`
}

// EnrollStats returns the enrollment counters.
func (c *Controller) EnrollStats() EnrollStats {
	return EnrollStats{Failed: c.stats.enrollFailed.Load(), Throttled: c.stats.enrollThrottled.Load()}
}

func (c *counters) snapshot() api.IngestStats {
	s := api.IngestStats{
		Received: c.received.Load(), Superseded: c.superseded.Load(), Applied: c.applied.Load(), Stale: c.stale.Load(),
		Orphans: c.orphans.Load(), Skipped: c.skipped.Load(), Batches: c.batches.Load(),
		WriteErrors: c.writeErrors.Load(), Rejected: make(map[string]uint64),
	}
	for r, n := range c.rejected {
		s.Rejected[r] = n.Load()
	}
	return s
}

// store is what ingest needs of the registry.
type store interface {
	ApplyChanges(ctx context.Context, batch []registry.Update) (registry.ApplyStats, map[string]struct{}, error)
}

// ingester takes every message the controller's MQTT session receives and
// writes it to the registry from one goroutine, in batches of one
// transaction each.
//
// offer never blocks, so the controller acknowledges every message to the
// broker at once and the broker never has to drop one for a slow
// subscriber. Nothing can overflow either: a state report is a snapshot, so
// only the newest pending one per device is kept (latest wins, and the one it
// replaces is counted as superseded); presence and command events are kept in
// arrival order in a queue whose size is bounded by what the agents have
// outstanding, not by the rate.
type ingester struct {
	store      store
	log        *slog.Logger
	stats      *counters
	batchSize  int
	flushEvery time.Duration
	// applied, when set, is told the devices whose updates were written,
	// those of them whose verdict, risks, presence or commands changed, and
	// those that came online (their presence changed to online).
	applied func(devices, changed, cameOnline map[string]struct{})
	// observe, when set, is told the size and duration of every write.
	observe func(updates int, took time.Duration)

	mu     sync.Mutex
	states map[string]*pendingState // device ID -> its pending state reports
	queue  []registry.Update        // presence and events, in arrival order
	wake   chan struct{}            // capacity 1: something is pending
	urgent chan struct{}            // capacity 1: presence or an event is queued
	// gather says how long to let reports gather after a full write that
	// took took; gatherFor unless a test sets it.
	gather func(took time.Duration) time.Duration
	order  uint64 // arrivals numbered, under mu
}

// maxUndecoded is how many state reports of one device may wait undecoded.
// A report is decoded only when it may be written: most of a burst is
// superseded before the writer gets to it, and is never decoded at all.
// Past this many, the newest is decoded as it arrives, so the reports held
// per device stay bounded whatever the rate. 32 covers what one device
// sends between two writes while agents publish as fast as acks allow
// (~17 per second each in the fleet benchmark's 1,000-agent burst, and the
// writer waits up to maxGather under load); with 8, most of such a burst
// was decoded on arrival. Each write takes everything pending, so the
// memory held is what arrived since the last write, at most this many
// reports per device.
const maxUndecoded = 32

// pendingState is what is pending for one device: the newest report known
// good, and the reports that arrived after it, not decoded yet.
type pendingState struct {
	good      registry.Update // Decoded unset if none
	goodOrder uint64
	raw       []inbound // in arrival order, all newer than good
	rawOrder  []uint64
}

func newIngester(st store, log *slog.Logger, stats *counters, batchSize int, flushEvery time.Duration) *ingester {
	return &ingester{
		store: st, log: log, stats: stats, batchSize: batchSize, flushEvery: flushEvery,
		states: make(map[string]*pendingState), wake: make(chan struct{}, 1),
		urgent: make(chan struct{}, 1), gather: gatherFor,
	}
}

// offer keeps a message for the writer; it never blocks. A state report is
// kept as received and decoded only when it may be written (see
// maxUndecoded); presence and events are decoded here, once. A message that
// does not decode is counted and dropped, so it can never replace a good
// report: a report is superseded only by a newer one that decoded.
func (g *ingester) offer(m inbound) {
	g.stats.received.Add(1)
	if id, ch, err := protocol.ParseTopic(m.topic); err == nil && ch == protocol.ChannelState {
		g.offerState(id, m)
		return
	}
	u, ok := g.decode(m)
	if !ok {
		return
	}
	g.mu.Lock()
	g.queue = append(g.queue, u)
	g.mu.Unlock()
	g.wakeWriter()
	select {
	case g.urgent <- struct{}{}:
	default:
	}
}

func (g *ingester) wakeWriter() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// offerState keeps the state report m of device id undecoded, or, when the
// device already has maxUndecoded of them waiting, decodes m now: if it is
// good it supersedes everything of that device that arrived before it.
func (g *ingester) offerState(id string, m inbound) {
	g.mu.Lock()
	g.order++
	order := g.order
	p := g.states[id]
	if p == nil {
		p = &pendingState{}
		g.states[id] = p
	}
	if len(p.raw) < maxUndecoded {
		p.raw = append(p.raw, m)
		p.rawOrder = append(p.rawOrder, order)
		g.mu.Unlock()
		g.wakeWriter()
		return
	}
	g.mu.Unlock()
	u, ok := g.decode(m)
	if !ok {
		return
	}
	g.mu.Lock()
	p = g.states[id] // the writer may have taken the old one meanwhile
	if p == nil {
		p = &pendingState{}
		g.states[id] = p
	}
	g.supersede(p, u, order)
	g.mu.Unlock()
	g.wakeWriter()
}

// supersede makes u, which arrived as order, p's good report, unless p holds
// a newer one; what arrived before u is superseded. The caller holds mu.
func (g *ingester) supersede(p *pendingState, u registry.Update, order uint64) {
	if p.good.Decoded && p.goodOrder > order {
		g.stats.superseded.Add(1) // u itself
		return
	}
	if p.good.Decoded {
		g.stats.superseded.Add(1)
	}
	p.good, p.goodOrder = u, order
	n := 0
	for n < len(p.raw) && p.rawOrder[n] < order {
		n++
	}
	g.stats.superseded.Add(uint64(n))
	p.raw = append(p.raw[:0], p.raw[n:]...)
	p.rawOrder = append(p.rawOrder[:0], p.rawOrder[n:]...)
}

// resolve decodes p's undecoded reports newest first and returns the newest
// good report of p, if any; every other report of p is counted as
// superseded (older than it) or rejected (did not decode). p is the
// caller's alone.
func (g *ingester) resolve(p *pendingState) (registry.Update, bool) {
	for i := len(p.raw) - 1; i >= 0; i-- {
		u, ok := g.decode(p.raw[i])
		if !ok {
			continue
		}
		older := i
		if p.good.Decoded {
			older++
		}
		g.stats.superseded.Add(uint64(older))
		return u, true
	}
	return p.good, p.good.Decoded
}

// take empties what is pending: the newest report of each device first,
// then the queue (events in order). Reports go first because an agent
// answers a refresh with its report before the command's result: a release
// woken by the result must find that report written, or it asks again (and,
// under load, asks again for ever). Freshness is judged on arrival times,
// so writing a report before an event that came earlier changes no
// decision; it only makes the registry's view of the phone newer sooner.
func (g *ingester) take() []registry.Update {
	g.mu.Lock()
	if len(g.queue) == 0 && len(g.states) == 0 {
		g.mu.Unlock()
		return nil
	}
	states, queue := g.states, g.queue
	g.states, g.queue = make(map[string]*pendingState, len(states)), nil
	g.mu.Unlock()
	// Decoded outside the lock: offers go on meanwhile into the new map.
	out := make([]registry.Update, 0, len(queue)+len(states))
	for _, p := range states {
		if u, ok := g.resolve(p); ok {
			out = append(out, u)
		}
	}
	return append(out, queue...)
}

// run writes what is offered until ctx ends, then writes what is left, so
// nothing acknowledged by the broker is dropped on a clean stop. After a
// write it waits flushEvery at most for more to gather, so that a trickle
// is not written one transaction per message. Under load (a write of a
// full batch or more) it waits as long as that write took, up to
// maxGather, so that the writer works at most about half the time and the
// reports that a device's next one supersedes meanwhile are never decoded
// nor written; a presence change or command event ends that wait at once.
func (g *ingester) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			g.drain(ctx)
			return
		case <-g.wake:
		}
		select { // what is queued now is taken by this drain
		case <-g.urgent:
		default:
		}
		start := time.Now()
		wait, urgent := g.flushEvery, (<-chan struct{})(nil)
		if n := g.drain(ctx); n >= g.batchSize {
			wait, urgent = g.gather(time.Since(start)), g.urgent
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-urgent:
		}
		t.Stop()
	}
}

// maxGather bounds how long state reports gather under load before the
// next write.
const maxGather = time.Second

func gatherFor(took time.Duration) time.Duration { return min(took, maxGather) }

// drain writes everything pending now, batchSize updates per transaction,
// and says how many messages it took.
func (g *ingester) drain(ctx context.Context) int {
	updates := g.take()
	taken := len(updates)
	for len(updates) > 0 {
		n := min(len(updates), g.batchSize)
		g.flush(ctx, updates[:n])
		updates = updates[n:]
	}
	return taken
}

func (g *ingester) flush(ctx context.Context, batch []registry.Update) {
	// A write must finish even during shutdown; it is short and bounded.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	start := time.Now()
	st, changed, err := g.store.ApplyChanges(wctx, batch)
	cancel()
	if g.observe != nil {
		g.observe(len(batch), time.Since(start))
	}
	if err != nil {
		g.stats.writeErrors.Add(1)
		g.log.Error("registry write failed", "updates", len(batch), "err", err)
		return
	}
	g.stats.applied.Add(uint64(st.Applied))
	g.stats.stale.Add(uint64(st.Stale))
	g.stats.orphans.Add(uint64(st.Orphans))
	g.stats.skipped.Add(uint64(st.Invalid + st.Failed))
	g.stats.batches.Add(1)
	if g.applied != nil {
		devices := make(map[string]struct{}, len(batch))
		cameOnline := map[string]struct{}{}
		for _, u := range batch {
			devices[u.DeviceID] = struct{}{}
			if _, ok := changed[u.DeviceID]; ok && u.Presence != nil && u.Presence.Status == protocol.Online {
				cameOnline[u.DeviceID] = struct{}{}
			}
		}
		g.applied(devices, changed, cameOnline)
	}
}

// decode turns a message into a registry update, or counts and logs why not.
// Logs carry the topic and the error, never the payload: it may hold names.
func (g *ingester) decode(m inbound) (registry.Update, bool) {
	u, err := decodeUpdate(m)
	if err != nil {
		reason := rejectReason(err)
		g.stats.rejected[reason].Add(1)
		g.log.Warn("message rejected", "topic", m.topic, "bytes", len(m.payload), "reason", reason, "err", err)
		return u, false
	}
	return u, true
}

var (
	errIDMismatch = errors.New("device_id does not match the topic")
	errClockSkew  = errors.New("report dated in the future")
)

// MaxClockSkew is how far ahead of the controller's clock a report's
// checked_at may be. A report dated later is refused (clock_skew): the time
// it claims cannot be true, and it must not make the phone look checked.
const MaxClockSkew = 5 * time.Minute

func decodeUpdate(m inbound) (registry.Update, error) {
	id, ch, err := protocol.ParseTopic(m.topic)
	if err != nil {
		return registry.Update{}, err
	}
	u := registry.Update{DeviceID: id, ReceivedAt: m.receivedAt}
	var payloadID string
	switch ch {
	case protocol.ChannelState:
		s, err := protocol.DecodeState(m.payload)
		if err != nil {
			return u, err
		}
		if s.CheckedAt.Sub(m.receivedAt) > MaxClockSkew {
			return u, fmt.Errorf("%w: checked_at is %s ahead of the controller", errClockSkew, s.CheckedAt.Sub(m.receivedAt).Round(time.Second))
		}
		u.State, payloadID, u.Raw = &s, s.DeviceID, m.payload
	case protocol.ChannelPresence:
		p, err := protocol.DecodePresence(m.payload)
		if err != nil {
			return u, err
		}
		u.Presence, payloadID = &p, p.DeviceID
	case protocol.ChannelEvents:
		e, err := protocol.DecodeEvent(m.payload)
		if err != nil {
			return u, err
		}
		u.Event, payloadID = &e, e.DeviceID
	default:
		return u, fmt.Errorf("%w: %s is not an agent channel", protocol.ErrBadTopic, m.topic)
	}
	if payloadID != id {
		return u, fmt.Errorf("%w: topic %s, payload %s", errIDMismatch, id, payloadID)
	}
	u.Decoded = true
	return u, nil
}

func rejectReason(err error) string {
	switch {
	case errors.Is(err, protocol.ErrTooLarge):
		return "too_large"
	case errors.Is(err, protocol.ErrUnknownVersion):
		return "unknown_version"
	case errors.Is(err, protocol.ErrMalformed):
		return "malformed"
	case errors.Is(err, protocol.ErrBadTopic):
		return "bad_topic"
	case errors.Is(err, errIDMismatch):
		return "id_mismatch"
	case errors.Is(err, errClockSkew):
		return "clock_skew"
	default:
		return "invalid"
	}
}
