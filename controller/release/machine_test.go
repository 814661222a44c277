package release

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/unbind/unbind/protocol"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func report(kinds ...protocol.RiskKind) *protocol.Report {
	r := &protocol.Report{SafeToReset: len(kinds) == 0, CheckedAt: t0, Catalogue: protocol.CatalogueRevision}
	for _, k := range kinds {
		r.Risks = append(r.Risks, protocol.Risk{Kind: k, Check: "test"})
	}
	return r
}

func TestNext(t *testing.T) {
	since := t0
	at := func(s Stage, cmd string) Release {
		return Release{Stage: s, CommandID: cmd, StageSince: since, Deadline: t0.Add(time.Hour)}
	}
	now := t0.Add(10 * time.Second)
	fresh := now.Add(-time.Second)
	cmd := func(kind protocol.CommandKind, state protocol.CommandState) *Command {
		return &Command{ID: "c1", Kind: kind, State: state, Detail: "d"}
	}
	tests := []struct {
		name      string
		r         Release
		o         Observed
		wantStage Stage
		wantSend  protocol.CommandKind
	}{
		{"verify asks for a report", at(StageVerify, ""), Observed{}, StageVerify, protocol.CommandRefresh},
		{"verify waits for its refresh", at(StageVerify, "c1"), Observed{Command: cmd(protocol.CommandRefresh, "sent")}, StageVerify, ""},
		{"verify ignores a report older than the stage", at(StageVerify, "c1"),
			Observed{Report: report(), ReportAt: since.Add(-time.Second), Command: cmd(protocol.CommandRefresh, "sent")}, StageVerify, ""},
		{"refresh failed: ask again", at(StageVerify, "c1"), Observed{Command: cmd(protocol.CommandRefresh, "timed_out")}, StageVerify, protocol.CommandRefresh},
		{"safe and fresh: reset", at(StageVerify, "c1"), Observed{Report: report(), ReportAt: fresh}, StageReset, protocol.CommandFactoryReset},
		{"safe but stale: read again", at(StageVerify, "c1"),
			Observed{Report: report(), ReportAt: since.Add(time.Second), MaxReportAge: time.Second}, StageVerify, protocol.CommandRefresh},
		{"bound: sign out", at(StageVerify, "c1"), Observed{Report: report(protocol.RiskMiAccount, protocol.RiskFindDevice), ReportAt: fresh}, StageSignOut, protocol.CommandSignOut},
		{"find device only", at(StageVerify, "c1"), Observed{Report: report(protocol.RiskFindDevice), ReportAt: fresh}, StageFindDevice, protocol.CommandDisableFindDevice},
		{"unknown: read again, never reset", at(StageVerify, "c1"), Observed{Report: report(protocol.RiskUnknown), ReportAt: fresh}, StageVerify, protocol.CommandRefresh},
		{"lost mode fails", at(StageVerify, "c1"), Observed{Report: report(protocol.RiskLostMode), ReportAt: fresh}, StageFailed, ""},
		{"a company's lock fails: nobody at the bench can clear it", at(StageVerify, "c1"),
			Observed{Report: report(protocol.RiskManagedDevice, protocol.RiskGoogleFRP), ReportAt: fresh}, StageFailed, ""},
		{"Knox Guard fails", at(StageVerify, "c1"), Observed{Report: report(protocol.RiskKnoxGuard), ReportAt: fresh}, StageFailed, ""},
		{"already at FRP fails", at(StageVerify, "c1"), Observed{Report: report(protocol.RiskFRPActive), ReportAt: fresh}, StageFailed, ""},
		{"vivo account: sign out", at(StageVerify, "c1"), Observed{Report: report(protocol.RiskVivoAccount, protocol.RiskVivoFindPhone), ReportAt: fresh}, StageSignOut, protocol.CommandSignOut},
		{"vivo Find my phone only: switch off", at(StageVerify, "c1"), Observed{Report: report(protocol.RiskVivoFindPhone), ReportAt: fresh}, StageFindDevice, protocol.CommandDisableFindDevice},
		{"an unjudged maker account: sign out", at(StageVerify, "c1"), Observed{Report: report(protocol.RiskVendorAccount), ReportAt: fresh}, StageSignOut, protocol.CommandSignOut},
		{"safe by an agent older than the catalogue fails", at(StageVerify, "c1"),
			Observed{Report: func() *protocol.Report { r := report(); r.Catalogue = 0; return r }(), ReportAt: fresh}, StageFailed, ""},
		{"sign out running", at(StageSignOut, "c1"), Observed{Command: cmd(protocol.CommandSignOut, "in_progress")}, StageSignOut, ""},
		{"sign out done: verify", at(StageSignOut, "c1"), Observed{Command: cmd(protocol.CommandSignOut, "succeeded")}, StageVerify, protocol.CommandRefresh},
		{"sign out refused, phone busy: wait, no failure", at(StageSignOut, "c1"),
			Observed{Command: &Command{ID: "c1", Kind: protocol.CommandSignOut, State: protocol.CommandRejected, Detail: protocol.RejectedBusyPrefix + "c0"}}, StageSignOut, ""},
		{"busy pause not over: wait", at(StageSignOut, ""), Observed{Now: since.Add(BusyRetry - time.Second)}, StageSignOut, ""},
		{"busy pause over: ask again", at(StageSignOut, ""), Observed{Now: since.Add(BusyRetry)}, StageSignOut, protocol.CommandSignOut},
		{"find device busy pause over: ask again", at(StageFindDevice, ""), Observed{Now: since.Add(BusyRetry)}, StageFindDevice, protocol.CommandDisableFindDevice},
		{"sign out refused for another reason: fail", at(StageSignOut, "c1"), Observed{Command: cmd(protocol.CommandSignOut, "rejected")}, StageFailed, ""},
		{"sign out timed out: fail, never reset", at(StageSignOut, "c1"), Observed{Command: cmd(protocol.CommandSignOut, "timed_out")}, StageFailed, ""},
		{"reset without evidence: wait, never released", at(StageReset, "c1"), Observed{Command: cmd(protocol.CommandFactoryReset, "succeeded")}, StageWaitingForReset, ""},
		{"root broadcast accepted: released", at(StageReset, "c1"),
			Observed{Command: &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandSucceeded, Detail: "wipe_started: root_broadcast"}}, StageReleased, ""},
		{"older agent's root broadcast: released", at(StageReset, "c1"),
			Observed{Command: &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandSucceeded, Detail: "reset started: root_broadcast"}}, StageReleased, ""},
		{"older agent's reset screen: wait for the reset", at(StageReset, "c1"),
			Observed{Command: &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandSucceeded, Detail: "reset started: settings_screen"}}, StageWaitingForReset, ""},
		{"reset screen opened: wait for the reset", at(StageReset, "c1"),
			Observed{Command: &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandInProgress, Detail: "reset_screen_opened: settings_screen"}}, StageWaitingForReset, ""},
		{"reset refused by phone: verify again", at(StageReset, "c1"), Observed{Command: cmd(protocol.CommandFactoryReset, "rejected")}, StageVerify, protocol.CommandRefresh},
		{"deadline", at(StageSignOut, "c1"), Observed{Now: t0.Add(2 * time.Hour)}, StageFailed, ""},
		{"terminal stays", at(StageReleased, ""), Observed{}, StageReleased, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.o.Now.IsZero() {
				tc.o.Now = now
			}
			if tc.o.MaxReportAge == 0 {
				tc.o.MaxReportAge = time.Minute
			}
			got, effects := Next(tc.r, tc.o)
			assert.Equal(t, tc.wantStage, got.Stage, "reason: %s", got.Reason)
			if tc.wantSend == "" {
				assert.Empty(t, effects)
			} else {
				assert.Equal(t, []Effect{{Send: tc.wantSend}}, effects)
			}
			if got.Stage == StageFailed {
				assert.NotEmpty(t, got.Reason)
			}
		})
	}
}

// TestResetOnlyOnFreshSafeReport: whatever the report, the machine sends a
// reset only when the report is safe, verified and fresh.
func TestResetOnlyOnFreshSafeReport(t *testing.T) {
	kinds := append([]protocol.RiskKind{""}, protocol.RiskKinds...)
	for _, k := range kinds {
		for _, age := range []time.Duration{0, 30 * time.Second, 2 * time.Minute} {
			rep := report()
			if k != "" {
				rep = report(k)
			}
			now := t0.Add(time.Hour)
			r := Release{Stage: StageVerify, CommandID: "c", StageSince: now.Add(-3 * time.Minute), Deadline: now.Add(time.Hour)}
			_, effects := Next(r, Observed{Now: now, Report: rep, ReportAt: now.Add(-age), MaxReportAge: time.Minute})
			for _, e := range effects {
				if e.Send == protocol.CommandFactoryReset {
					assert.True(t, k == "" && age <= time.Minute, "reset sent for risk %q age %s", k, age)
				}
			}
		}
	}
}

func TestDueByTime(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	deadline := now.Add(time.Hour)
	tests := []struct {
		name string
		r    Release
		want bool
	}{
		{"verify, waiting for its report", Release{Stage: StageVerify, CommandID: "c1", StageSince: now.Add(-time.Minute), Deadline: deadline}, false},
		{"deadline passed", Release{Stage: StageVerify, CommandID: "c1", StageSince: now.Add(-time.Minute), Deadline: now}, true},
		{"waiting for reset past its deadline", Release{Stage: StageWaitingForReset, CommandID: "c1", Deadline: now.Add(-time.Second)}, true},
		{"guided, command out", Release{Stage: StageSignOut, CommandID: "c1", StageSince: now.Add(-time.Minute), Deadline: deadline}, false},
		{"guided, busy pause running", Release{Stage: StageSignOut, StageSince: now.Add(-BusyRetry / 2), Deadline: deadline}, false},
		{"guided, busy pause over", Release{Stage: StageFindDevice, StageSince: now.Add(-BusyRetry), Deadline: deadline}, true},
		{"finished", Release{Stage: StageReleased, Deadline: now.Add(-time.Hour)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, DueByTime(tc.r, now))
			if tc.want {
				return
			}
			// Not due: with nothing else changed, Next decides nothing.
			next, effects := Next(tc.r, Observed{Now: now})
			assert.True(t, next.Same(tc.r), "a release not due by time stays as it is")
			assert.Empty(t, effects)
		})
	}
}
