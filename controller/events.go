package controller

import (
	"context"
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

// eventHub fans events out to subscribers. Publishing never blocks: ingest
// and the release loop call it, and a slow browser must never hold them up.
// A subscriber whose buffer is full loses what it had not read and gets one
// EventResync in its place.
type eventHub struct {
	mu     sync.Mutex
	subs   map[chan Event]struct{}
	closed bool
}

func newEventHub() *eventHub {
	return &eventHub{subs: make(map[chan Event]struct{})}
}

// subscribe registers a subscriber until ctx ends or the hub closes; either
// closes the channel.
func (h *eventHub) subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, subscriberBuffer)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(ch)
		return ch
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() { h.drop(ch) })
	return ch
}

func (h *eventHub) drop(ch chan Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
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
		delete(h.subs, ch)
		close(ch)
	}
}

// Subscribe returns the controller's live events until ctx ends or the
// controller closes; then the channel is closed. A subscriber that does not
// keep up receives EventResync in place of what it missed.
func (c *Controller) Subscribe(ctx context.Context) <-chan Event {
	return c.events.subscribe(ctx)
}

// publishReleases announces that releases of these devices changed.
func (c *Controller) publishReleases(deviceIDs ...string) {
	events := make([]Event, len(deviceIDs))
	for i, id := range deviceIDs {
		events[i] = Event{Kind: EventRelease, DeviceID: id}
	}
	c.events.publish(events...)
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
