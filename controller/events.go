package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/unbind/unbind/controller/registry"
)

// EventKind says what changed.
type EventKind string

const (
	// EventDevice: a device's state, presence or commands were written.
	EventDevice EventKind = "device"
	// EventRelease: a release of the device was created or changed stage.
	EventRelease EventKind = "release"
	// EventResync: the subscriber fell behind and events were dropped;
	// whatever it shows must be read again.
	EventResync EventKind = "resync"
)

// Event is a change a console shows live. It names the device only; the
// subscriber reads what it needs from the registry.
type Event struct {
	Kind     EventKind
	DeviceID string
}

// subscriberBuffer is how many events a subscriber may lag behind before it
// is sent a resync instead.
const subscriberBuffer = 256

// Caps on live event streams. Each stream holds one of the API's
// connections (httpapi.ServeConfig.MaxConns) for as long as a page is open, so one caller
// must never hold them all: an operator (however many sign-ins it has) gets
// perOperatorStreams, and all of them together a quarter of the
// connections, at most maxStreams; the rest always answer ordinary requests.
const (
	perOperatorStreams = 16
	maxStreams         = 64
)

// StreamCap is the cap on all live streams for an API of httpMaxConns
// connections.
func StreamCap(httpMaxConns int) int { return max(1, min(maxStreams, httpMaxConns/4)) }

// ErrTooManyStreams: the caller, or everyone together, already holds as many
// live event streams as allowed.
var ErrTooManyStreams = errors.New("too many live event streams")

// eventHub fans events out to subscribers. Publishing never blocks: ingest
// and the release loop call it, and a slow browser must never hold them up.
// A subscriber whose buffer is full loses what it had not read and gets one
// EventResync in its place.
type eventHub struct {
	mu     sync.Mutex
	subs   map[chan Event]string // subscriber → operator name
	owned  map[string]int        // operator name → its subscribers
	max    int
	closed bool
}

func newEventHub(max int) *eventHub {
	return &eventHub{subs: make(map[chan Event]string), owned: make(map[string]int), max: max}
}

// subscribe registers operator's subscriber until ctx ends, the operator is
// revoked (dropOperator) or the hub closes; each closes the channel. Past
// the caps it is ErrTooManyStreams.
func (h *eventHub) subscribe(ctx context.Context, operator string) (<-chan Event, error) {
	ch := make(chan Event, subscriberBuffer)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(ch)
		return ch, nil
	}
	if n := h.owned[operator]; n >= perOperatorStreams {
		h.mu.Unlock()
		return nil, fmt.Errorf("%w: this operator has %d open (at most %d)", ErrTooManyStreams, n, perOperatorStreams)
	}
	if n := len(h.subs); n >= h.max {
		h.mu.Unlock()
		return nil, fmt.Errorf("%w: %d are open (at most %d)", ErrTooManyStreams, n, h.max)
	}
	h.subs[ch] = operator
	h.owned[operator]++
	h.mu.Unlock()
	context.AfterFunc(ctx, func() { h.drop(ch) })
	return ch, nil
}

// remove forgets ch and closes it; h.mu is held.
func (h *eventHub) remove(ch chan Event) {
	op, ok := h.subs[ch]
	if !ok {
		return
	}
	delete(h.subs, ch)
	if h.owned[op]--; h.owned[op] <= 0 {
		delete(h.owned, op)
	}
	close(ch)
}

// dropOperator ends every stream of operator (revoked, or given a new
// token): what it may no longer read stops at once, not at its next click.
func (h *eventHub) dropOperator(operator string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, op := range h.subs {
		if op == operator {
			h.remove(ch)
		}
	}
}

func (h *eventHub) drop(ch chan Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.remove(ch)
}

// publish hands events to every subscriber without blocking.
func (h *eventHub) publish(events ...Event) {
	if h == nil || len(events) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		for _, e := range events {
			select {
			case ch <- e:
				continue
			default:
			}
			// Full: what is queued is stale anyway; replace it with one
			// resync. Only publishers (under mu) send, so there is room.
		drain:
			for {
				select {
				case <-ch:
				default:
					break drain
				}
			}
			ch <- Event{Kind: EventResync}
			break
		}
	}
}

// devices publishes kind for each device ID.
func (h *eventHub) devices(kind EventKind, ids map[string]struct{}) {
	events := make([]Event, 0, len(ids))
	for id := range ids {
		events = append(events, Event{Kind: kind, DeviceID: id})
	}
	h.publish(events...)
}

// close ends every subscription.
func (h *eventHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		h.remove(ch)
	}
}

// Subscribe returns the controller's live events for operator until ctx
// ends, the operator is revoked or given a new token, or the controller
// closes; then the channel is closed. A subscriber that does not keep up
// receives EventResync in place of what it missed. Past the caps on open
// streams (per operator, and in total) it is ErrTooManyStreams.
func (c *Controller) Subscribe(ctx context.Context, operator string) (<-chan Event, error) {
	return c.events.subscribe(ctx, operator)
}

// publishReleases announces that releases of these devices changed.
func (c *Controller) publishReleases(deviceIDs ...string) {
	events := make([]Event, len(deviceIDs))
	for i, id := range deviceIDs {
		events[i] = Event{Kind: EventRelease, DeviceID: id}
	}
	c.events.publish(events...)
	ids := make(map[string]struct{}, len(deviceIDs))
	for _, id := range deviceIDs {
		ids[id] = struct{}{}
	}
	c.announce(changeRelease, ids)
}

func movedDevices(ms []*move) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.step.Release.DeviceID
	}
	return ids
}

func steppedDevices(steps []registry.ReleaseStep) []string {
	ids := make([]string, len(steps))
	for i, st := range steps {
		ids[i] = st.Release.DeviceID
	}
	return ids
}

// Logger is the controller's logger, for handlers built on it (the console).
func (c *Controller) Logger() *slog.Logger { return c.log }
