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
			h := newEventHub(maxStreams)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch := mustSubscribe(t, h, ctx, "viewer")
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
	h := newEventHub(maxStreams)
	ctx, cancel := context.WithCancel(context.Background())
	a := mustSubscribe(t, h, ctx, "viewer")
	b := mustSubscribe(t, h, context.Background(), "viewer")
	cancel()
	require.Eventually(t, func() bool { return isClosed(a) }, 10*time.Second, 10*time.Millisecond, "canceled subscription closes")
	h.publish(Event{Kind: EventDevice, DeviceID: "x"})
	assert.Equal(t, []Event{{EventDevice, "x"}}, drainNow(b))
	h.close()
	assert.True(t, isClosed(b), "close ends every subscription")
	assert.True(t, isClosed(mustSubscribe(t, h, context.Background(), "viewer")), "a subscription after close is closed at once")
	h.publish(Event{Kind: EventDevice, DeviceID: "y"}) // no subscriber, no panic
}

// TestEventHubCaps: one operator holds at most perOperatorStreams streams
// and everyone together the hub's cap; a stream ended frees its place;
// dropping an operator ends its streams and no one else's.
func TestEventHubCaps(t *testing.T) {
	h := newEventHub(perOperatorStreams + 2)
	ctx := context.Background()
	var mine []<-chan Event
	for range perOperatorStreams {
		mine = append(mine, mustSubscribe(t, h, ctx, "greedy"))
	}
	_, err := h.subscribe(ctx, "greedy")
	require.ErrorIs(t, err, ErrTooManyStreams, "past the operator's cap")
	other := mustSubscribe(t, h, ctx, "other")
	endMe, end := context.WithCancel(ctx)
	last := mustSubscribe(t, h, endMe, "other")
	_, err = h.subscribe(ctx, "third")
	require.ErrorIs(t, err, ErrTooManyStreams, "past the total cap")
	end()
	require.Eventually(t, func() bool { return isClosed(last) }, 10*time.Second, 10*time.Millisecond)
	mustSubscribe(t, h, ctx, "third") // the ended stream's place

	h.dropOperator("greedy")
	for _, ch := range mine {
		assert.True(t, isClosed(ch), "a dropped operator's stream ends")
	}
	assert.False(t, isClosed(other), "another operator's stream stays")
	mustSubscribe(t, h, ctx, "greedy") // its places are free again
}

func mustSubscribe(t *testing.T, h *eventHub, ctx context.Context, operator string) <-chan Event {
	t.Helper()
	ch, err := h.subscribe(ctx, operator)
	require.NoError(t, err)
	return ch
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
