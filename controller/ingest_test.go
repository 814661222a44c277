package controller

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
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
		{"dated in the future", state, strings.Replace(goodState, "2026-11-23T10:00:00Z", "2099-01-01T00:00:00Z", 1), "clock_skew"},
		{"four minutes ahead is within the skew", state, strings.Replace(goodState, "2026-11-23T10:00:00Z", "2026-11-23T10:04:00Z", 1), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			received := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			u, err := decodeUpdate(inbound{topic: tc.topic, payload: []byte(tc.payload), receivedAt: received})
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

func (s *recordingStore) ApplyChanges(_ context.Context, b []registry.Update) (registry.ApplyStats, map[string]struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, append([]registry.Update(nil), b...))
	return registry.ApplyStats{Applied: len(b)}, nil, nil
}

func TestIngesterCoalescesBatchesAndFlushesOnStop(t *testing.T) {
	st := &recordingStore{}
	g := newIngester(st, slog.New(slog.DiscardHandler), newCounters(), 4, time.Hour)
	// Offered before the loop runs: ten reports of dev1 (only the newest is
	// written), one report of each of six other devices, three events of
	// dev1 in order, and a malformed report of dev9.
	for i := range 10 {
		g.offer(inbound{topic: "unbind/v1/devices/dev1/state", payload: []byte(strings.Replace(goodState, `"seq":1`, fmt.Sprintf(`"seq":%d`, i+1), 1)), receivedAt: time.Now()})
	}
	for i := 2; i <= 7; i++ {
		id := fmt.Sprintf("dev%d", i)
		g.offer(inbound{topic: "unbind/v1/devices/" + id + "/state", payload: []byte(strings.ReplaceAll(goodState, "dev1", id)), receivedAt: time.Now()})
	}
	for _, state := range []string{"accepted", "in_progress", "succeeded"} {
		g.offer(inbound{topic: "unbind/v1/devices/dev1/events", payload: []byte(`{"v":1,"device_id":"dev1","command_id":"c1","state":"` + state + `","at":"2026-11-23T10:00:00Z"}`), receivedAt: time.Now()})
	}
	g.offer(inbound{topic: "unbind/v1/devices/dev9/state", payload: []byte("nope"), receivedAt: time.Now()})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // run drains what is pending and returns
	g.run(ctx)

	stats := g.stats.snapshot()
	assert.Equal(t, uint64(20), stats.Received)
	assert.Equal(t, uint64(9), stats.Superseded, "nine of dev1's reports were replaced by its newest")
	assert.Equal(t, uint64(10), stats.Applied, "seven reports and three events written")
	assert.Equal(t, uint64(1), stats.Rejected["malformed"])
	var events []string
	var seq1 []uint64
	total := 0
	for _, b := range st.batches {
		assert.LessOrEqual(t, len(b), 4)
		total += len(b)
		for _, u := range b {
			if u.Event != nil {
				events = append(events, string(u.Event.State))
			}
			if u.State != nil && u.DeviceID == "dev1" {
				seq1 = append(seq1, u.State.Seq)
				assert.True(t, u.Decoded)
				assert.NotEmpty(t, u.Raw, "the report is stored as received")
			}
		}
	}
	assert.Equal(t, 10, total)
	assert.Equal(t, []string{"accepted", "in_progress", "succeeded"}, events, "events keep their order")
	assert.Equal(t, []uint64{10}, seq1, "only dev1's newest report is written")
}

// TestIngesterTellsOnlyChanges: with the real registry, every written device
// wakes the releases, but only a device whose verdict, risks or presence
// changed is a live event.
func TestIngesterTellsOnlyChanges(t *testing.T) {
	ctx := context.Background()
	reg, err := registry.Open(ctx, t.TempDir()+"/registry.db", registry.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = reg.Close() })
	g := newIngester(reg, slog.New(slog.DiscardHandler), newCounters(), 64, time.Hour)
	var written, changed []string
	g.applied = func(ids, ch, _ map[string]struct{}) {
		for id := range ids {
			written = append(written, id)
		}
		for id := range ch {
			changed = append(changed, id)
		}
	}
	state := func(id string, seq int, risky bool) inbound {
		p := strings.ReplaceAll(goodState, "dev1", id)
		p = strings.Replace(p, `"seq":1`, fmt.Sprintf(`"seq":%d`, seq), 1)
		if risky {
			p = strings.Replace(p, `"safe_to_reset":true,"risks":[]`,
				`"safe_to_reset":false,"risks":[{"kind":"mi_account","check":"dumpsys account","evidence":"present"}]`, 1)
		}
		return inbound{topic: "unbind/v1/devices/" + id + "/state", payload: []byte(p), receivedAt: time.Now()}
	}
	steps := []struct {
		name             string
		offer            []inbound
		written, changed []string
	}{
		{"first reports", []inbound{state("a", 1, false), state("b", 1, false)}, []string{"a", "b"}, []string{"a", "b"}},
		{"the same again", []inbound{state("a", 2, false), state("b", 2, false)}, []string{"a", "b"}, nil},
		{"b gets a risk", []inbound{state("a", 3, false), state("b", 3, true)}, []string{"a", "b"}, []string{"b"}},
	}
	for _, st := range steps {
		written, changed = nil, nil
		for _, m := range st.offer {
			g.offer(m)
		}
		g.drain(ctx)
		assert.ElementsMatch(t, st.written, written, st.name)
		assert.ElementsMatch(t, st.changed, changed, st.name)
	}
}

// An agent answers a refresh with its report, then the command's result. The
// report must be written no later than the result, whatever the batch size:
// a release woken by the result looks for it.
func TestIngesterWritesReportsBeforeLaterEvents(t *testing.T) {
	for _, batch := range []int{1, 2, 100} {
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			st := &recordingStore{}
			g := newIngester(st, slog.New(slog.DiscardHandler), newCounters(), batch, time.Hour)
			g.offer(inbound{topic: "unbind/v1/devices/dev1/state", payload: []byte(goodState), receivedAt: time.Now()})
			for _, state := range []string{"accepted", "succeeded"} {
				g.offer(inbound{topic: "unbind/v1/devices/dev1/events", payload: []byte(`{"v":1,"device_id":"dev1","command_id":"c1","state":"` + state + `","at":"2026-11-23T10:00:00Z"}`), receivedAt: time.Now()})
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			g.run(ctx)
			var order []string
			for _, b := range st.batches {
				for _, u := range b {
					switch {
					case u.State != nil:
						order = append(order, "report")
					case u.Event != nil:
						order = append(order, string(u.Event.State))
					}
				}
			}
			assert.Equal(t, []string{"report", "accepted", "succeeded"}, order)
		})
	}
}

// stateOf is dev1's report with seq, or a malformed one when bad.
func stateOf(seq int, bad bool) inbound {
	p := strings.Replace(goodState, `"seq":1`, fmt.Sprintf(`"seq":%d`, seq), 1)
	if bad {
		p = p[:len(p)/2]
	}
	return inbound{topic: "unbind/v1/devices/dev1/state", payload: []byte(p), receivedAt: time.Now()}
}

// reports is n good reports followed by the given ones (true: bad).
func reports(n int, then ...bool) []bool {
	return append(make([]bool, n), then...)
}

// A state report is decoded only when it may be written, yet a report that
// does not decode never replaces a good one, however they were batched.
func TestIngesterLazyDecodeKeepsNewestGoodReport(t *testing.T) {
	tests := []struct {
		name string
		// bad marks the reports, in arrival order, that do not decode;
		// take, the positions after which the writer takes what is pending.
		bad        []bool
		take       []int
		written    []uint64 // dev1's seqs written, in order
		rejected   uint64
		superseded uint64
	}{
		{"newest good", []bool{false, false, false}, nil, []uint64{3}, 0, 2},
		{"newest bad keeps the good before it", []bool{false, true}, nil, []uint64{1}, 1, 0},
		{"all bad writes nothing", []bool{true, true}, nil, nil, 2, 0},
		{"bad ones before a good newest are superseded undecoded", []bool{true, true, false}, nil, []uint64{3}, 0, 2},
		{"bad newest after a take keeps nothing new", []bool{false, true}, []int{1}, []uint64{1}, 1, 0},
		{"past the bound the newest is decoded on arrival", reports(maxUndecoded + 2), nil, []uint64{maxUndecoded + 2}, 0, maxUndecoded + 1},
		{"past the bound a bad newest is rejected on arrival", reports(maxUndecoded, true, true), nil, []uint64{maxUndecoded}, 2, maxUndecoded - 1},
		{"past the bound, bad, then good", reports(maxUndecoded, true, false, true), nil, []uint64{maxUndecoded + 2}, 2, maxUndecoded},
		{"a take, then a good and a bad report", []bool{false, false, false, false, false, true}, []int{4}, []uint64{4, 5}, 1, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &recordingStore{}
			g := newIngester(st, slog.New(slog.DiscardHandler), newCounters(), 100, time.Hour)
			for i, bad := range tc.bad {
				g.offer(stateOf(i+1, bad))
				if slices.Contains(tc.take, i+1) {
					g.drain(context.Background())
				}
			}
			g.drain(context.Background())
			var written []uint64
			for _, b := range st.batches {
				for _, u := range b {
					require.NotNil(t, u.State)
					assert.True(t, u.Decoded)
					written = append(written, u.State.Seq)
				}
			}
			s := g.stats.snapshot()
			assert.Equal(t, tc.written, written)
			assert.Equal(t, tc.rejected, s.Rejected["malformed"], "rejected")
			assert.Equal(t, tc.superseded, s.Superseded, "superseded")
			assert.Equal(t, uint64(len(tc.bad)), s.Received)
			assert.Equal(t, s.Received, s.Applied+s.Superseded+s.Rejected["malformed"], "every report accounted for once")
		})
	}
}

// However fast one device reports, no more than maxUndecoded of its reports
// wait undecoded.
func TestIngesterBoundsUndecodedReports(t *testing.T) {
	g := newIngester(&recordingStore{}, slog.New(slog.DiscardHandler), newCounters(), 100, time.Hour)
	for i := range 1000 {
		g.offer(stateOf(i+1, i%3 == 1))
		g.mu.Lock()
		p := g.states["dev1"]
		require.LessOrEqual(t, len(p.raw), maxUndecoded)
		g.mu.Unlock()
	}
	updates := g.take()
	require.Len(t, updates, 1)
	assert.Equal(t, uint64(1000), updates[0].State.Seq)
}

// Under load the writer lets reports gather, but an event is written at
// once, after the reports that came before it.
func TestIngesterEventEndsTheGatherWait(t *testing.T) {
	st := &recordingStore{}
	g := newIngester(st, slog.New(slog.DiscardHandler), newCounters(), 2, time.Hour)
	g.gather = func(time.Duration) time.Duration { return time.Hour }
	written := func() int {
		st.mu.Lock()
		defer st.mu.Unlock()
		n := 0
		for _, b := range st.batches {
			n += len(b)
		}
		return n
	}
	// A full batch, queued before the writer starts so that its first drain
	// takes both (a writer woken by the first alone would wait flushEvery,
	// an hour): the writer then waits an hour for more to gather.
	for _, id := range []string{"dev1", "dev2"} {
		g.offer(inbound{topic: "unbind/v1/devices/" + id + "/state", payload: []byte(strings.ReplaceAll(goodState, "dev1", id)), receivedAt: time.Now()})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); g.run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	require.Eventually(t, func() bool { return written() == 2 }, 10*time.Second, 5*time.Millisecond)
	g.offer(stateOf(2, false))
	g.offer(inbound{topic: "unbind/v1/devices/dev1/events", payload: []byte(`{"v":1,"device_id":"dev1","command_id":"c1","state":"accepted","at":"2026-11-23T10:00:00Z"}`), receivedAt: time.Now()})
	require.Eventually(t, func() bool { return written() == 4 }, 10*time.Second, 5*time.Millisecond, "the event ended the wait")
	st.mu.Lock()
	defer st.mu.Unlock()
	last := st.batches[len(st.batches)-1]
	require.Len(t, last, 2)
	assert.NotNil(t, last[0].State, "the report that came first is written first")
	assert.NotNil(t, last[1].Event)
}
