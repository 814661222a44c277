package registry

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// t0 is an arbitrary controller-clock origin for tests.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "db", "registry.db"), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// report builds a valid report: safe when no kinds are given.
func report(checkedAt time.Time, kinds ...protocol.RiskKind) protocol.Report {
	r := protocol.Report{
		Device:      protocol.Identity{Serial: "SER1", Manufacturer: "Xiaomi", Brand: "Redmi", Model: "Note 12", AndroidVersion: "14", SDK: 34, VendorOS: "HyperOS OS1.0"},
		SafeToReset: len(kinds) == 0,
		Risks:       []protocol.Risk{},
		FindDevice:  protocol.TriOff,
		LostMode:    protocol.TriOff,
		CheckedAt:   checkedAt,
	}
	for _, k := range kinds {
		r.Risks = append(r.Risks, protocol.Risk{Kind: k, Check: "dumpsys account", Evidence: "account of type present"})
		if k == protocol.RiskFindDevice {
			r.FindDevice = protocol.TriOn
		}
	}
	return r
}

func stateUpd(id string, seq uint64, received time.Time, r protocol.Report) Update {
	return Update{DeviceID: id, ReceivedAt: received, State: &protocol.DeviceState{V: protocol.Version, DeviceID: id, Seq: seq, Report: r}}
}

func presenceUpd(id string, st protocol.PresenceStatus, received time.Time) Update {
	return Update{DeviceID: id, ReceivedAt: received, Presence: &protocol.Presence{
		V: protocol.Version, DeviceID: id, Status: st, At: received.Add(-time.Hour), AgentVersion: "v0.1.0",
	}}
}

func eventUpd(id, cmdID string, st protocol.CommandState, reported time.Time, detail string, received time.Time) Update {
	return Update{DeviceID: id, ReceivedAt: received, Event: &protocol.CommandEvent{
		V: protocol.Version, DeviceID: id, CommandID: cmdID, State: st, At: reported, Detail: detail,
	}}
}

func command(id, deviceID string, kind protocol.CommandKind, issued time.Time) protocol.Command {
	return protocol.Command{V: protocol.Version, ID: id, DeviceID: deviceID, Kind: kind, IssuedAt: issued, ExpiresAt: issued.Add(time.Hour)}
}

func applyOK(t testing.TB, s *Store, batch ...Update) ApplyStats {
	t.Helper()
	st, err := s.ApplyBatch(context.Background(), batch)
	require.NoError(t, err)
	return st
}
