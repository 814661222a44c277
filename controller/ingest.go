package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

// IngestStats counts what the ingest path did with every message.
type IngestStats struct {
	Received uint64 `json:"received"`
	// Applied, Stale, Orphans and Skipped say what the registry did with the
	// messages that decoded: written, older than what it had, events for
	// unknown commands, refused by its own checks or failed alone.
	Applied uint64 `json:"applied"`
	Stale   uint64 `json:"stale"`
	Orphans uint64 `json:"orphans"`
	Skipped uint64 `json:"skipped"`
	Batches uint64 `json:"batches"`
	// Rejected messages were not written; by reason: too_large,
	// unknown_version, malformed, invalid, bad_topic, id_mismatch.
	Rejected map[string]uint64 `json:"rejected"`
	// WriteErrors counts batches the registry failed to write.
	WriteErrors uint64 `json:"write_errors"`
}

var rejectReasons = []string{"too_large", "unknown_version", "malformed", "invalid", "bad_topic", "id_mismatch"}

type counters struct {
	received, applied, stale, orphans, skipped, batches, writeErrors atomic.Uint64
	rejected                                                         map[string]*atomic.Uint64
}

func newCounters() *counters {
	c := &counters{rejected: make(map[string]*atomic.Uint64)}
	for _, r := range rejectReasons {
		c.rejected[r] = new(atomic.Uint64)
	}
	return c
}

func (c *counters) snapshot() IngestStats {
	s := IngestStats{
		Received: c.received.Load(), Applied: c.applied.Load(), Stale: c.stale.Load(),
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
	ApplyBatch(ctx context.Context, batch []registry.Update) (registry.ApplyStats, error)
}

// ingester decodes messages and writes them to the registry in batches, one
// transaction per batch, from a single goroutine.
type ingester struct {
	in         chan inbound
	store      store
	log        *slog.Logger
	stats      *counters
	batchSize  int
	flushEvery time.Duration
}

// run owns the batch; it flushes what it holds when ctx ends, so nothing
// acknowledged by the broker is dropped on a clean stop.
func (g *ingester) run(ctx context.Context) {
	batch := make([]registry.Update, 0, g.batchSize)
	tick := time.NewTicker(g.flushEvery)
	defer tick.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// A write must finish even during shutdown; it is short and bounded.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		st, err := g.store.ApplyBatch(wctx, batch)
		cancel()
		if err != nil {
			g.stats.writeErrors.Add(1)
			g.log.Error("registry write failed", "updates", len(batch), "err", err)
		} else {
			g.stats.applied.Add(uint64(st.Applied))
			g.stats.stale.Add(uint64(st.Stale))
			g.stats.orphans.Add(uint64(st.Orphans))
			g.stats.skipped.Add(uint64(st.Invalid + st.Failed))
			g.stats.batches.Add(1)
		}
		batch = batch[:0]
	}
	for {
		select {
		case <-ctx.Done():
			for {
				select {
				case m := <-g.in:
					if u, ok := g.decode(m); ok {
						batch = append(batch, u)
					}
				default:
					flush()
					return
				}
			}
		case m := <-g.in:
			if u, ok := g.decode(m); ok {
				batch = append(batch, u)
				if len(batch) >= g.batchSize {
					flush()
				}
			}
		case <-tick.C:
			flush()
		}
	}
}

// decode turns a message into a registry update, or counts and logs why not.
// Logs carry the topic and the error, never the payload: it may hold names.
func (g *ingester) decode(m inbound) (registry.Update, bool) {
	g.stats.received.Add(1)
	u, err := decodeUpdate(m)
	if err != nil {
		reason := rejectReason(err)
		g.stats.rejected[reason].Add(1)
		g.log.Warn("message rejected", "topic", m.topic, "bytes", len(m.payload), "reason", reason, "err", err)
		return u, false
	}
	return u, true
}

var errIDMismatch = errors.New("device_id does not match the topic")

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
		u.State, payloadID = &s, s.DeviceID
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
	default:
		return "invalid"
	}
}
