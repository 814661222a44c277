package registry

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestAuditIsAppendOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		require.NoError(t, s.AppendAudit(ctx, AuditEntry{At: at(1), Actor: OperatorActor("ana"), Action: "login"}))
		for name, q := range map[string]string{
			"update": `UPDATE audit SET actor = 'mallory'`,
			"delete": `DELETE FROM audit`,
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.w.ExecContext(ctx, q)
				require.Error(t, err)
				assert.Contains(t, err.Error(), "append-only")
			})
		}
		got, err := s.Audit(ctx, "", 0)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "operator:ana", got[0].Actor)
	})
}

func TestAppendAuditRejects(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		assert.Error(t, s.AppendAudit(ctx, AuditEntry{Action: "x"}), "no actor")
		assert.Error(t, s.AppendAudit(ctx, AuditEntry{Actor: "x"}), "no action")
		require.NoError(t, s.AppendAudit(ctx, AuditEntry{Actor: "controller", Action: "started"}), "zero time means now")
		got, err := s.Audit(ctx, "", 0)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.False(t, got[0].At.IsZero())
	})
}

// Every kind of change the registry records leaves an audit row written in
// the same transaction, with the right actor.
func TestAuditRowsForEachKind(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		bound := report(at(1), protocol.RiskMiAccount, protocol.RiskFindDevice)
		bound.Risks[0].Account = "someone@example.com"
		applyOK(t, s,
			presenceUpd("d", protocol.Online, at(0)),
			stateUpd("d", 1, at(1), bound),
			stateUpd("d", 2, at(2), report(at(2), protocol.RiskFindDevice, protocol.RiskMiAccount)), // same kinds: no row
			stateUpd("d", 3, at(3), report(at(3))),
			presenceUpd("d", protocol.Online, at(4)), // no transition: no row
		)
		require.NoError(t, s.RecordCommand(ctx, command("c1", "d", protocol.CommandFactoryReset, at(5)), at(5)))
		require.NoError(t, s.SetCommandState(ctx, "c1", protocol.CommandSent, at(6), ""))
		applyOK(t, s,
			eventUpd("d", "c1", protocol.CommandSucceeded, at(7), "wiped", at(7)),
			eventUpd("d", "c1", protocol.CommandInProgress, at(6), "late", at(8)),
			presenceUpd("d", protocol.Offline, at(9)),
		)
		require.NoError(t, s.AppendAudit(ctx, AuditEntry{At: at(10), DeviceID: "d", Actor: OperatorActor("ana"), Action: "certificate.issued"}))
		applyOK(t, s, presenceUpd("other", protocol.Online, at(11)))

		got, err := s.Audit(ctx, "d", 0)
		require.NoError(t, err)
		type row struct{ actor, action, detail string }
		var rows []row
		for _, e := range got {
			assert.Equal(t, "d", e.DeviceID)
			rows = append(rows, row{e.Actor, e.Action, e.Detail})
		}
		assert.Equal(t, []row{
			{"agent:d", AuditPresence, "online"},
			{"agent:d", AuditStateChanged, "verdict at_risk; risks find_device,mi_account; find_device on; lost_mode off; checked_at 2026-11-23T10:00:01Z"},
			{"agent:d", AuditStateChanged, "verdict safe; risks none; find_device off; lost_mode off; checked_at 2026-11-23T10:00:03Z"},
			{"controller", AuditCommand, "command c1 factory_reset: queued"},
			{"controller", AuditCommand, "command c1 factory_reset: sent"},
			{"agent:d", AuditCommand, "command c1 factory_reset: succeeded"},
			{"agent:d", AuditCommand, "command c1 factory_reset: in_progress (late; state stays succeeded)"},
			{"agent:d", AuditPresence, "offline"},
			{"operator:ana", "certificate.issued", ""},
		}, rows)
		for _, e := range got {
			assert.NotContains(t, e.Detail, "someone@example.com")
			assert.NotContains(t, e.Detail, "wiped", "agent free text stays in the command transitions")
		}
		assert.Equal(t, at(0), got[0].At)

		all, err := s.Audit(ctx, "", 0)
		require.NoError(t, err)
		assert.Len(t, all, len(got)+1)
		last2, err := s.Audit(ctx, "", 2)
		require.NoError(t, err)
		require.Len(t, last2, 2)
		assert.Equal(t, "certificate.issued", last2[0].Action, "the newest entries, oldest first")
		assert.Equal(t, "other", last2[1].DeviceID)
		assert.Less(t, last2[0].ID, last2[1].ID)
	})
}

// A change whose audit row cannot be written is not stored either.
func TestAuditSharesTheTransaction(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		_, err := s.w.ExecContext(ctx, boomTrigger(s, "audit"))
		require.NoError(t, err)
		st := applyOK(t, s, presenceUpd("boom", protocol.Online, at(0)), presenceUpd("ok", protocol.Online, at(0)))
		assert.Equal(t, ApplyStats{Applied: 1, Failed: 1}, st)
		_, err = s.Device(ctx, "boom")
		assert.ErrorIs(t, err, ErrNotFound)
	})
}
