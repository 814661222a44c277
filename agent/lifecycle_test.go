package agent

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/unbind/unbind/protocol"
)

func TestAdmit(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	cmd := func(kind protocol.CommandKind, id, device string, expires time.Time) protocol.Command {
		return protocol.Command{V: 1, ID: id, DeviceID: device, Kind: kind, IssuedAt: now.Add(-time.Minute), ExpiresAt: expires}
	}
	seen := func(id string) bool { return id == "old" }
	later := now.Add(time.Minute)
	tests := []struct {
		name   string
		cmd    protocol.Command
		busy   string
		want   admission
		reason string
	}{
		{"fresh", cmd(protocol.CommandSignOut, "c1", "me", later), "", admitRun, ""},
		{"redelivered", cmd(protocol.CommandSignOut, "old", "me", later), "", admitDuplicate, ""},
		{"other device", cmd(protocol.CommandFactoryReset, "c2", "them", later), "", admitReject, "addressed to them, this is me"},
		{"expired", cmd(protocol.CommandFactoryReset, "c3", "me", now), "", admitReject,
			"expired at 2026-11-23T10:00:00Z; this phone's clock reads 2026-11-23T10:00:00Z, 1m0s after the command was issued"},
		{"clock ahead", protocol.Command{V: 1, ID: "c6", DeviceID: "me", Kind: protocol.CommandSignOut, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-45 * time.Minute)}, "", admitReject,
			"expired at 2026-11-23T09:15:00Z; this phone's clock reads 2026-11-23T10:00:00Z, 1h0m0s after the command was issued"},
		{"busy", cmd(protocol.CommandFactoryReset, "c4", "me", later), "c1", admitReject, "busy with command c1"},
		{"refresh while busy", cmd(protocol.CommandRefresh, "c5", "me", later), "c1", admitRun, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := admit(tc.cmd, "me", now, seen, tc.busy)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.reason, reason)
		})
	}
}

func risks(kinds ...protocol.RiskKind) protocol.Report {
	r := protocol.Report{SafeToReset: len(kinds) == 0}
	for _, k := range kinds {
		r.Risks = append(r.Risks, protocol.Risk{Kind: k, Check: "test"})
	}
	return r
}

func TestProgress(t *testing.T) {
	tests := []struct {
		name      string
		kind      protocol.CommandKind
		report    protocol.Report
		done      bool
		wantGuide GuideStep
	}{
		{"sign out done", protocol.CommandSignOut, risks(), true, ""},
		{"sign out: Mi first", protocol.CommandSignOut, risks(protocol.RiskGoogleFRP, protocol.RiskMiAccount, protocol.RiskFindDevice), false, GuideMiAccount},
		{"sign out: then accounts", protocol.CommandSignOut, risks(protocol.RiskGoogleFRP), false, GuideAccounts},
		{"sign out ignores lost mode", protocol.CommandSignOut, risks(protocol.RiskLostMode), true, ""},
		{"sign out not verified while unknown", protocol.CommandSignOut, risks(protocol.RiskUnknown), false, ""},
		{"find device off done despite google", protocol.CommandDisableFindDevice, risks(protocol.RiskGoogleFRP), true, ""},
		{"find device still on", protocol.CommandDisableFindDevice, risks(protocol.RiskFindDevice), false, GuideFindDevice},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done, remaining := progress(tc.kind, tc.report)
			assert.Equal(t, tc.done, done)
			step, _ := guideFor(remaining)
			assert.Equal(t, tc.wantGuide, step)
		})
	}
}

func TestResetVerdict(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	safe := risks()
	safe.CheckedAt = now.Add(-5 * time.Second)
	stale := safe
	stale.CheckedAt = now.Add(-time.Hour)
	bound := risks(protocol.RiskGoogleFRP)
	bound.CheckedAt = now
	unknown := risks(protocol.RiskUnknown)
	unknown.CheckedAt = now
	lying := risks(protocol.RiskMiAccount)
	lying.SafeToReset = true
	lying.CheckedAt = now

	assert.Empty(t, resetVerdict(safe, now, time.Minute))
	assert.Contains(t, resetVerdict(stale, now, time.Minute), "old")
	assert.Contains(t, resetVerdict(bound, now, time.Minute), "google_frp")
	assert.Contains(t, resetVerdict(unknown, now, time.Minute), "unknown")
	assert.Contains(t, resetVerdict(lying, now, time.Minute), "mi_account")
}
