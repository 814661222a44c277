package controller

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

const goodState = `{"v":1,"device_id":"dev1","seq":1,"device":{"serial":"dev1"},"safe_to_reset":true,"risks":[],"find_device":"off","lost_mode":"off","rooted":false,"checked_at":"2026-11-23T10:00:00Z"}`

func TestDecodeUpdate(t *testing.T) {
	state := "unbind/v1/devices/dev1/state"
	tests := []struct {
		name, topic, payload, reason string
	}{
		{"state", state, goodState, ""},
		{"presence", "unbind/v1/devices/dev1/presence", `{"v":1,"device_id":"dev1","status":"offline","at":"2026-11-23T10:00:00Z"}`, ""},
		{"event", "unbind/v1/devices/dev1/events", `{"v":1,"device_id":"dev1","command_id":"c1","state":"accepted","at":"2026-11-23T10:00:00Z"}`, ""},
		{"garbage", state, "\x00\x01garbage", "malformed"},
		{"future version", state, strings.Replace(goodState, `"v":1`, `"v":9`, 1), "unknown_version"},
		{"oversized", state, `{"v":1,"x":"` + strings.Repeat("a", protocol.MaxPayload) + `"}`, "too_large"},
		{"claims safe with risk", state, strings.Replace(goodState, `"risks":[]`, `"risks":[{"kind":"google_frp","check":"x","evidence":"y"}]`, 1), "invalid"},
		{"other device's id", "unbind/v1/devices/dev2/state", goodState, "id_mismatch"},
		{"command channel is not ingested", "unbind/v1/devices/dev1/commands", goodState, "bad_topic"},
		{"foreign topic", "somewhere/else", goodState, "bad_topic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := decodeUpdate(inbound{topic: tc.topic, payload: []byte(tc.payload), receivedAt: time.Now()})
			if tc.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, "dev1", u.DeviceID)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.reason, rejectReason(err))
		})
	}
}

type recordingStore struct {
	mu      sync.Mutex
	batches [][]registry.Update
}

func (s *recordingStore) ApplyBatch(_ context.Context, b []registry.Update) (registry.ApplyStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, append([]registry.Update(nil), b...))
	return registry.ApplyStats{Applied: len(b)}, nil
}

func TestIngesterBatchesAndFlushesOnStop(t *testing.T) {
	st := &recordingStore{}
	g := &ingester{
		in: make(chan inbound, 100), store: st, log: slog.New(slog.DiscardHandler), stats: newCounters(),
		batchSize: 4, flushEvery: time.Hour,
	}
	for range 10 {
		g.in <- inbound{topic: "unbind/v1/devices/dev1/state", payload: []byte(goodState), receivedAt: time.Now()}
	}
	g.in <- inbound{topic: "unbind/v1/devices/dev1/state", payload: []byte("nope"), receivedAt: time.Now()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { g.run(ctx); close(done) }()
	require.Eventually(t, func() bool { return g.stats.received.Load() == 11 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	<-done

	stats := g.stats.snapshot()
	assert.Equal(t, uint64(10), stats.Applied, "every valid message is written, the last ones on stop")
	assert.Equal(t, uint64(1), stats.Rejected["malformed"])
	total := 0
	for _, b := range st.batches {
		assert.LessOrEqual(t, len(b), 4)
		total += len(b)
	}
	assert.Equal(t, 10, total)
}
