package broker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// localSubscriber is one Subscribe: a filter and what to call for the
// messages that match it.
type localSubscriber struct {
	filter string
	handle func(topic string, payload []byte)
}

// localDelivery hands the messages the broker accepted to the subscribers
// inside the process. It is a hook on what the broker publishes, not a
// subscription in mochi's topic tree: for every message, mochi copies the
// subscriber maps of each node of that tree the topic matches, and a
// subscription matching every device's reports made that copying the
// largest share of the controller's CPU per report after the broker's own
// I/O (issue 10 in bench/fleet.md). Remote clients still subscribe through
// the tree.
type localDelivery struct {
	mqtt.HookBase
	mu   sync.Mutex // serializes changes to subs
	subs atomic.Pointer[[]localSubscriber]
}

func (d *localDelivery) ID() string { return "unbind-local-delivery" }

func (d *localDelivery) Provides(b byte) bool {
	return b == mqtt.OnPublished || b == mqtt.OnWillSent
}

func (d *localDelivery) add(s localSubscriber) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var subs []localSubscriber
	if cur := d.subs.Load(); cur != nil {
		subs = append(subs, *cur...)
	}
	subs = append(subs, s)
	d.subs.Store(&subs)
}

// OnPublished runs in the publishing client's goroutine, after the broker
// acknowledged the message and queued it for its remote subscribers.
func (d *localDelivery) OnPublished(_ *mqtt.Client, pk packets.Packet) { d.deliver(pk) }

// OnWillSent delivers a vanished client's last will (an agent's offline
// presence), which the broker publishes without calling OnPublished.
func (d *localDelivery) OnWillSent(_ *mqtt.Client, pk packets.Packet) { d.deliver(pk) }

func (d *localDelivery) deliver(pk packets.Packet) {
	subs := d.subs.Load()
	if subs == nil {
		return
	}
	for _, s := range *subs {
		if topicMatches(s.filter, pk.TopicName) {
			s.handle(pk.TopicName, pk.Payload)
		}
	}
}

// topicMatches reports whether an MQTT topic name matches a filter, with
// "+" standing for one level and a trailing "#" for any number of levels
// (the parent level included). As the MQTT specification requires, a
// filter starting with a wildcard does not match a topic starting with "$".
func topicMatches(filter, topic string) bool {
	if strings.HasPrefix(topic, "$") && (strings.HasPrefix(filter, "+") || strings.HasPrefix(filter, "#")) {
		return false
	}
	for {
		f, filterRest, filterMore := strings.Cut(filter, "/")
		if f == "#" {
			return !filterMore
		}
		t, topicRest, topicMore := strings.Cut(topic, "/")
		if f != "+" && f != t {
			return false
		}
		switch {
		case !filterMore && !topicMore:
			return true
		case !topicMore:
			return filterRest == "#"
		case !filterMore:
			return false
		}
		filter, topic = filterRest, topicRest
	}
}

// Subscribe hands every message published on filter to h inside the
// process, with no MQTT session in between: h runs in the publishing
// client's goroutine, right after the broker acknowledged the message, so
// nothing queues for the subscriber and nothing can be dropped for it.
// Clients' last wills are handed over too. The retained messages that match
// are handed over before Subscribe returns; a message published meanwhile
// may arrive twice. h must not block; the payload is the subscriber's to
// keep.
//
// This is how the controller listens to its own embedded broker; with an
// external broker it holds an ordinary MQTT session instead.
func (b *Broker) Subscribe(_ context.Context, filter string, _ byte, h func(topic string, payload []byte)) error {
	if !mqtt.IsValidFilter(filter, false) || mqtt.IsSharedFilter(filter) {
		return fmt.Errorf("subscribe %s: not a valid topic filter", filter)
	}
	b.local.add(localSubscriber{filter: filter, handle: h})
	for _, pk := range b.srv.Topics.Messages(filter) {
		h(pk.TopicName, pk.Payload)
	}
	return nil
}

// Publish sends payload on topic from inside the process, to every client
// subscribed, up to qos. It returns once the message is in each
// subscriber's outbound queue; like any publish, it cannot know whether the
// subscriber is online.
func (b *Broker) Publish(_ context.Context, topic string, qos byte, retained bool, payload []byte) error {
	if err := b.srv.Publish(topic, payload, retained, qos); err != nil {
		return fmt.Errorf("publish %s: %w", topic, err)
	}
	return nil
}
