package broker

import (
	"context"
	"fmt"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// inlineIDs numbers inline subscriptions; mochi keys them by filter and ID.
var inlineIDs atomic.Int64

// Subscribe hands every message published on filter to h inside the
// process, with no MQTT session in between: h runs in the publishing
// client's goroutine, right after the broker acknowledged the message, so
// nothing queues for the subscriber and nothing can be dropped for it. The
// retained messages that match are handed over before Subscribe returns. h
// must not block; the payload is the subscriber's to keep.
//
// This is how the controller listens to its own embedded broker; with an
// external broker it holds an ordinary MQTT session instead.
func (b *Broker) Subscribe(_ context.Context, filter string, _ byte, h func(topic string, payload []byte)) error {
	fn := func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		h(pk.TopicName, pk.Payload)
	}
	if err := b.srv.Subscribe(filter, int(inlineIDs.Add(1)), fn); err != nil {
		return fmt.Errorf("subscribe %s: %w", filter, err)
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
