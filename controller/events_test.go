package controller

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventHub(t *testing.T) {
	tests := []struct {
		name      string
		published int
		want      []Event
	}{
		{"nothing", 0, nil},
		{"within the buffer", 2, []Event{{EventDevice, "d0"}, {EventDevice, "d1"}}},
		{"exactly the buffer", subscriberBuffer, nil}, // checked by count below
		{"past the buffer: one resync replaces what was queued", subscriberBuffer + 5, []Event{{Kind: EventResync}, {EventDevice, "d257"}, {EventDevice, "d258"}, {EventDevice, "d259"}, {EventDevice, "d260"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newEventHub()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch := h.subscribe(ctx)
			for i := range tt.published {
				// A subscriber that never reads must not block the publisher.
				h.publish(Event{Kind: EventDevice, DeviceID: "d" + strconv.Itoa(i)})
			}
			got := drainNow(ch)
			if tt.name == "exactly the buffer" {
				assert.Len(t, got, subscriberBuffer)
				assert.Equal(t, "d0", got[0].DeviceID)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEventHubEnds(t *testing.T) {
	h := newEventHub()
	ctx, cancel := context.WithCancel(context.Background())
	a := h.subscribe(ctx)
	b := h.subscribe(context.Background())
	cancel()
	require.Eventually(t, func() bool { return isClosed(a) }, 10*time.Second, 10*time.Millisecond, "canceled subscription closes")
	h.publish(Event{Kind: EventDevice, DeviceID: "x"})
	assert.Equal(t, []Event{{EventDevice, "x"}}, drainNow(b))
	h.close()
	assert.True(t, isClosed(b), "close ends every subscription")
	assert.True(t, isClosed(h.subscribe(context.Background())), "a subscription after close is closed at once")
	h.publish(Event{Kind: EventDevice, DeviceID: "y"}) // no subscriber, no panic
}

func drainNow(ch <-chan Event) []Event {
	var out []Event
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, e)
		default:
			return out
		}
	}
}

func isClosed(ch <-chan Event) bool {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return true
			}
		default:
			return false
		}
	}
}
