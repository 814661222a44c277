package registry

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// fuzzSeeds are wire messages as the ingest path would decode them, taken
// from the cases the tests above apply.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	add := func(m protocol.Message) {
		b, err := json.Marshal(m)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	lost := report(at(20), mi, protocol.RiskLostMode)
	lost.LostMode = protocol.TriOn
	lost.Accounts = []protocol.Account{{User: 0, Type: "com.xiaomi", Name: "28***58"}}
	for _, u := range []Update{
		stateUpd("d", 1, at(1), report(at(0))),
		stateUpd("d", 2, at(2), report(at(1), mi, find, frp)),
		stateUpd("d", 1<<63+1, at(3), report(at(2), unk)),
		stateUpd("d", 3, at(3), lost),
		presenceUpd("d", protocol.Online, at(1)),
		presenceUpd("d", protocol.Offline, at(2)),
		eventUpd("d", "c1", protocol.CommandAccepted, at(1), "", at(1)),
		eventUpd("d", "c1", protocol.CommandSucceeded, at(2), "done", at(2)),
		eventUpd("d", "nope", protocol.CommandFailed, at(2), "", at(2)),
	} {
		switch {
		case u.State != nil:
			add(u.State)
		case u.Presence != nil:
			add(u.Presence)
		default:
			add(u.Event)
		}
	}
	return seeds
}

// FuzzApply feeds whatever the protocol decoders accept to Apply: it must
// never fail the batch, and the stored verdict must always be the one of the
// stored report.
func FuzzApply(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	s := openTest(f, Options{})
	ctx := context.Background()
	applyOK(f, s, presenceUpd("d", protocol.Online, at(0)))
	require.NoError(f, s.RecordCommand(ctx, command("c1", "d", protocol.CommandRefresh, at(0)), at(0)))
	received := at(0)
	f.Fuzz(func(t *testing.T, payload []byte) {
		received = received.Add(time.Millisecond)
		u := Update{ReceivedAt: received}
		if st, err := protocol.DecodeState(payload); err == nil {
			u.DeviceID, u.State = st.DeviceID, &st
		} else if p, err := protocol.DecodePresence(payload); err == nil {
			u.DeviceID, u.Presence = p.DeviceID, &p
		} else if e, err := protocol.DecodeEvent(payload); err == nil {
			u.DeviceID, u.Event = e.DeviceID, &e
		} else {
			return
		}
		st, err := s.ApplyBatch(ctx, []Update{u})
		require.NoError(t, err)
		assert.Zero(t, st.Failed, "a decoded message must not hit a database error")
		if st.Applied+st.Stale == 0 {
			return // an orphan event, or a time the registry cannot store
		}
		d, err := s.Device(ctx, u.DeviceID)
		require.NoError(t, err)
		if d.State != nil {
			assert.Equal(t, d.State.Verdict(), d.Verdict)
			assert.False(t, d.Verdict == protocol.VerdictSafe && len(d.State.Risks) > 0)
		}
	})
}

// The seeds themselves go through Apply in every test run.
func TestFuzzSeedsApply(t *testing.T) {
	for _, seed := range fuzzSeeds(t) {
		_, errS := protocol.DecodeState(seed)
		_, errP := protocol.DecodePresence(seed)
		_, errE := protocol.DecodeEvent(seed)
		assert.True(t, errS == nil || errP == nil || errE == nil, "seed %s decodes", seed)
	}
}
