package cert

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

func stateOf(id string, seq uint64, received time.Time, kinds ...protocol.RiskKind) registry.Update {
	r := protocol.Report{Device: protocol.Identity{Serial: id, Manufacturer: "Google", Model: "Pixel 7"},
		SafeToReset: len(kinds) == 0, Risks: []protocol.Risk{}, FindDevice: protocol.TriOff, LostMode: protocol.TriOff, Catalogue: protocol.CatalogueRevision,
		CheckedAt: received.Add(-time.Second)}
	for _, k := range kinds {
		r.Risks = append(r.Risks, protocol.Risk{Kind: k, Check: "dumpsys account", Evidence: "present"})
	}
	return registry.Update{DeviceID: id, ReceivedAt: received,
		State: &protocol.DeviceState{V: protocol.Version, DeviceID: id, Seq: seq, Report: r}}
}

func eventOf(id, cmd string, st protocol.CommandState, received time.Time, detail string) registry.Update {
	return registry.Update{DeviceID: id, ReceivedAt: received, Event: &protocol.CommandEvent{
		V: protocol.Version, DeviceID: id, CommandID: cmd, State: st, At: received, Detail: detail}}
}

// A release driven through the registry yields a certificate only once the
// reset succeeded after a safe state.
func TestGatherFromRegistry(t *testing.T) {
	ctx := context.Background()
	reg, err := registry.Open(ctx, filepath.Join(t.TempDir(), "registry.db"), registry.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = reg.Close() })
	key := testKey(3)
	pub := key.Public().(ed25519.PublicKey)
	issue := func(id string) (SignedCertificate, error) {
		in, err := Gather(ctx, reg, id)
		require.NoError(t, err)
		return Issue(in, key)
	}

	require.NoError(t, reg.Apply(ctx, []registry.Update{stateOf("P1", 1, at(1), protocol.RiskGoogleFRP)}))
	_, err = issue("P1")
	assert.ErrorContains(t, err, "no release was run")
	_, err = Gather(ctx, reg, "ghost")
	assert.ErrorIs(t, err, registry.ErrNotFound)

	rel := registry.ReleaseRecord{ID: "rel-1", DeviceID: "P1", Operator: "ana", Stage: "verify", CreatedAt: at(2), Deadline: at(3600)}
	require.NoError(t, reg.CreateRelease(ctx, rel))
	_, err = issue("P1")
	assert.ErrorContains(t, err, "still running")

	// The person signs out; the phone reports safe twice; the reset is sent.
	require.NoError(t, reg.Apply(ctx, []registry.Update{stateOf("P1", 2, at(10)), stateOf("P1", 3, at(20))}))
	reset := protocol.Command{V: protocol.Version, ID: "c-reset", DeviceID: "P1", Kind: protocol.CommandFactoryReset,
		IssuedAt: at(30), ExpiresAt: at(630)}
	require.NoError(t, reg.RecordCommand(ctx, reset, at(30)))
	require.NoError(t, reg.SetCommandState(ctx, "c-reset", protocol.CommandSent, at(31), ""))
	rel.Stage, rel.CommandID, rel.UpdatedAt = "reset", "c-reset", at(30)
	require.NoError(t, reg.UpdateRelease(ctx, rel))

	// Marked released while the command has not succeeded: refused.
	rel.Stage, rel.Outcome, rel.FinishedAt, rel.UpdatedAt = "released", registry.OutcomeReleased, at(40), at(40)
	require.NoError(t, reg.UpdateRelease(ctx, rel))
	_, err = issue("P1")
	assert.ErrorIs(t, err, ErrNotReleased)
	assert.ErrorContains(t, err, "is sent, not succeeded")

	// The reset screen opened (an older agent's success): no reset seen.
	require.NoError(t, reg.Apply(ctx, []registry.Update{eventOf("P1", "c-reset", protocol.CommandSucceeded, at(45), "reset started: settings_screen")}))
	_, err = issue("P1")
	assert.ErrorIs(t, err, ErrNotReleased)
	assert.ErrorContains(t, err, "no evidence that the wipe started")

	rel.Evidence = []registry.ReleaseEvidence{
		{Kind: "reset_screen_opened", At: at(45), Source: "agent: settings_screen"},
		{Kind: "operator_confirmed", At: at(46), Source: "operator:ana"},
	}
	require.NoError(t, reg.UpdateRelease(ctx, rel))
	sc, err := issue("P1")
	require.NoError(t, err)
	require.NoError(t, Verify(sc.File, pub))
	assert.Equal(t, "P1", sc.Doc.Device.Serial)
	assert.Equal(t, "Pixel 7", sc.Doc.Device.Model)
	assert.Equal(t, "reset started: settings_screen", sc.Doc.Reset.Method)
	assert.Equal(t, at(46), sc.Doc.Reset.CompletedAt, "the reset is dated by the evidence it rests on")
	require.Len(t, sc.Doc.Evidence, 2)
	assert.Equal(t, Evidence{Kind: "operator_confirmed", At: at(46), Source: "operator:ana"}, sc.Doc.Evidence[1])
	assert.Equal(t, "ana", sc.Doc.Release.Operator)
	for _, c := range sc.Doc.Checks {
		assert.Equal(t, at(9), c.SafeSince, "first safe check")
		assert.Equal(t, at(19), c.CheckedAt, "last check before the reset")
	}

	// A newer release that failed withdraws the right to a certificate.
	require.NoError(t, reg.CreateRelease(ctx, registry.ReleaseRecord{ID: "rel-2", DeviceID: "P1", Operator: "bo", Stage: "failed",
		Outcome: "failed", Reason: "timed out", CreatedAt: at(50), Deadline: at(60), FinishedAt: at(60)}))
	_, err = issue("P1")
	assert.ErrorContains(t, err, "release rel-2 ended failed")
}

// A reset issued while the phone was bound never yields a certificate, even
// if the release row claims success.
func TestGatherUnsafeBeforeReset(t *testing.T) {
	ctx := context.Background()
	reg, err := registry.Open(ctx, filepath.Join(t.TempDir(), "registry.db"), registry.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = reg.Close() })
	require.NoError(t, reg.Apply(ctx, []registry.Update{stateOf("P2", 1, at(1), protocol.RiskMiAccount)}))
	require.NoError(t, reg.CreateRelease(ctx, registry.ReleaseRecord{ID: "r", DeviceID: "P2", Operator: "ana", Stage: "released",
		Outcome: registry.OutcomeReleased, CommandID: "c", CreatedAt: at(2), Deadline: at(99), FinishedAt: at(9),
		Evidence: []registry.ReleaseEvidence{{Kind: "wipe_started", At: at(5), Source: "agent: root_broadcast"}}}))
	require.NoError(t, reg.RecordCommand(ctx, protocol.Command{V: protocol.Version, ID: "c", DeviceID: "P2",
		Kind: protocol.CommandFactoryReset, IssuedAt: at(3), ExpiresAt: at(99)}, at(3)))
	require.NoError(t, reg.Apply(ctx, []registry.Update{eventOf("P2", "c", protocol.CommandSucceeded, at(5), ""),
		stateOf("P2", 2, at(6))})) // safe only after the reset
	in, err := Gather(ctx, reg, "P2")
	require.NoError(t, err)
	_, err = Issue(in, testKey(1))
	assert.ErrorIs(t, err, ErrNotReleased)
	assert.ErrorContains(t, err, "not safe (verdict at_risk, risks mi_account")
}
