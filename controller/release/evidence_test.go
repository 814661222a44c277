package release

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

const (
	bootA = "0f6e2c8a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
	bootB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
)

func TestWaitingForReset(t *testing.T) {
	opened := t0.Add(time.Minute)
	waitingRel := Release{Stage: StageWaitingForReset, CommandID: "c1", StageSince: opened, Deadline: t0.Add(time.Hour),
		Evidence: []Evidence{{Kind: EvidenceResetScreenOpened, At: opened, Source: "agent: settings_screen", Boot: bootA}}}
	now := opened.Add(10 * time.Minute)
	withBoot := func(boot string) *protocol.Report {
		r := report()
		r.BootID = boot
		return r
	}
	watching := &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandInProgress, Detail: "reset_screen_opened: settings_screen"}
	step := func(at time.Time, st protocol.CommandState, detail string) Step {
		return Step{At: at, State: st, Detail: detail}
	}
	benchSteps := []Step{
		step(opened, protocol.CommandInProgress, "reset_screen_opened: settings_screen"),
		step(now.Add(-time.Minute), protocol.CommandInProgress, "adb_lost: adb: not listed"),
	}
	benchLost := &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandInProgress,
		Detail: "adb_lost: adb: not listed", At: now.Add(-time.Minute), Steps: benchSteps}
	benchRecovery := &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandSucceeded,
		Detail: "wipe_started: adb: recovery", At: now,
		Steps: append(slices.Clone(benchSteps), step(now, protocol.CommandSucceeded, "wipe_started: adb: recovery"))}
	withSetup := func(r *protocol.Report, boot string, setup protocol.SetupState) *protocol.Report {
		r.BootID, r.Setup = boot, &setup
		return r
	}
	inSetupFrom := func(boot string) *protocol.Report {
		return withSetup(report(), boot, protocol.SetupState{Provisioned: protocol.TriOff, FRPActive: protocol.TriOff})
	}
	tradeInFrom := func(boot string) *protocol.Report {
		return withSetup(report(), boot, protocol.SetupState{Provisioned: protocol.TriUnknown, FRPActive: protocol.TriOff, TradeIn: true})
	}
	setUpFrom := func(boot string) *protocol.Report {
		return withSetup(report(), boot, protocol.SetupState{Provisioned: protocol.TriOn, FRPActive: protocol.TriOff})
	}
	lockedInSetupFrom := func(boot string) *protocol.Report {
		return withSetup(report(protocol.RiskFRPActive), boot, protocol.SetupState{Provisioned: protocol.TriOff, FRPActive: protocol.TriOn})
	}
	tests := []struct {
		name         string
		o            Observed
		wantStage    Stage
		wantEvidence []EvidenceKind
	}{
		{"nobody confirmed yet: wait", Observed{Online: true, Command: watching, Report: withBoot(bootA), ReportAt: now.Add(-time.Second)},
			StageWaitingForReset, []EvidenceKind{EvidenceResetScreenOpened}},
		{"confirmed late: the agent saw the phone going down",
			Observed{Online: true, Command: &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandSucceeded,
				Detail: "wipe_started: sys.powerctl=reboot,recovery", At: now}},
			StageReleased, []EvidenceKind{EvidenceResetScreenOpened, EvidenceWipeStarted}},
		{"the agent stopped watching: still wait",
			Observed{Online: true, Command: &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandTimedOut, Detail: "no sign of a wipe"}},
			StageWaitingForReset, []EvidenceKind{EvidenceResetScreenOpened}},
		{"session ended: recorded, never enough",
			Observed{Online: false, PresenceAt: now.Add(-time.Minute), Command: watching},
			StageWaitingForReset, []EvidenceKind{EvidenceResetScreenOpened, EvidenceSessionEnded}},
		{"came back from the same boot: never reset",
			Observed{Online: true, PresenceAt: now.Add(-time.Minute), Report: withBoot(bootA), ReportAt: now.Add(-30 * time.Second), Command: watching},
			StageFailed, []EvidenceKind{EvidenceResetScreenOpened}},
		{"came back, not reported yet: wait",
			Observed{Online: true, PresenceAt: now.Add(-time.Minute), Report: withBoot(bootA), ReportAt: now.Add(-2 * time.Minute), Command: watching},
			StageWaitingForReset, []EvidenceKind{EvidenceResetScreenOpened}},
		{"came back from another boot: recorded, wait",
			Observed{Online: true, PresenceAt: now.Add(-time.Minute), Report: withBoot(bootB), ReportAt: now.Add(-30 * time.Second), Command: watching},
			StageWaitingForReset, []EvidenceKind{EvidenceResetScreenOpened, EvidenceRebooted}},
		{"came back from another boot in its setup screen, clean: released on what the phone shows",
			Observed{Online: true, PresenceAt: now.Add(-time.Minute), Report: inSetupFrom(bootB), ReportAt: now.Add(-30 * time.Second), Command: watching},
			StageReleased, []EvidenceKind{EvidenceResetScreenOpened, EvidenceSeenCleanAfterReset}},
		{"came back from another boot in trade-in mode, clean: released",
			Observed{Online: true, PresenceAt: now.Add(-time.Minute), Report: tradeInFrom(bootB), ReportAt: now.Add(-30 * time.Second), Command: watching},
			StageReleased, []EvidenceKind{EvidenceResetScreenOpened, EvidenceSeenCleanAfterReset}},
		{"came back from another boot clean but set up: a restart, not a reset",
			Observed{Online: true, PresenceAt: now.Add(-time.Minute), Report: setUpFrom(bootB), ReportAt: now.Add(-30 * time.Second), Command: watching},
			StageWaitingForReset, []EvidenceKind{EvidenceResetScreenOpened, EvidenceRebooted}},
		{"came back from another boot in its setup screen, locked: failed",
			Observed{Online: true, PresenceAt: now.Add(-time.Minute), Report: lockedInSetupFrom(bootB), ReportAt: now.Add(-30 * time.Second), Command: watching},
			StageFailed, []EvidenceKind{EvidenceResetScreenOpened, EvidenceSeenLockedAfterReset}},
		{"came back from the same boot in its setup screen: never reset",
			Observed{Online: true, PresenceAt: now.Add(-time.Minute), Report: inSetupFrom(bootA), ReportAt: now.Add(-30 * time.Second), Command: watching},
			StageFailed, []EvidenceKind{EvidenceResetScreenOpened}},
		{"came back, boot unknown: wait",
			Observed{Online: true, PresenceAt: now.Add(-time.Minute), Report: withBoot(""), ReportAt: now.Add(-30 * time.Second), Command: watching},
			StageWaitingForReset, []EvidenceKind{EvidenceResetScreenOpened}},
		{"deadline: never reset", Observed{Now: t0.Add(2 * time.Hour), Online: true, Command: watching},
			StageFailed, []EvidenceKind{EvidenceResetScreenOpened}},
		{"the bench lost the phone: recorded, never enough",
			Observed{Online: true, Command: benchLost, Report: withBoot(bootA), ReportAt: now.Add(-time.Second)},
			StageWaitingForReset, []EvidenceKind{EvidenceResetScreenOpened, EvidenceADBLost}},
		{"the bench lost the phone, then saw it in recovery: released, the loss kept",
			Observed{Online: true, Command: benchRecovery},
			StageReleased, []EvidenceKind{EvidenceResetScreenOpened, EvidenceADBLost, EvidenceWipeStarted}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.o.Now.IsZero() {
				tc.o.Now = now
			}
			got, effects := Next(waitingRel, tc.o)
			assert.Equal(t, tc.wantStage, got.Stage, "reason: %s", got.Reason)
			assert.Empty(t, effects, "nothing is sent while waiting for a reset")
			var kinds []EvidenceKind
			for _, e := range got.Evidence {
				kinds = append(kinds, e.Kind)
			}
			assert.Equal(t, tc.wantEvidence, kinds)
			if got.Stage == StageFailed && !has(got.Evidence, EvidenceSeenLockedAfterReset) {
				assert.Contains(t, got.Reason, "never reset")
			}
			if ev, ok := last(got.Evidence, EvidenceADBLost); ok {
				assert.Equal(t, "agent: adb: not listed", ev.Source)
				assert.Equal(t, now.Add(-time.Minute), ev.At, "dated when the agent saw it")
			}
			if got.Stage == StageReleased && !has(got.Evidence, EvidenceSeenCleanAfterReset) {
				ev, ok := last(got.Evidence, EvidenceWipeStarted)
				require.True(t, ok)
				assert.Equal(t, now, ev.At, "the wipe is dated when it was seen, not when the screen opened")
			}
			// A second pass with nothing new changes nothing.
			again, _ := Next(got, tc.o)
			assert.True(t, again.Same(got), "not idempotent: %+v", again.Evidence)
		})
	}
}

// TestBenchLostIsNoReset: a bench that lost the phone (a pulled cable looks
// the same) keeps the release waiting until its deadline, and the failure
// names what was seen.
func TestBenchLostIsNoReset(t *testing.T) {
	opened := t0.Add(time.Minute)
	r := Release{Stage: StageWaitingForReset, CommandID: "c1", StageSince: opened, Deadline: t0.Add(time.Hour),
		Evidence: []Evidence{{Kind: EvidenceResetScreenOpened, At: opened, Source: "agent: settings_screen"}}}
	lost := &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandInProgress, Detail: "adb_lost: adb: not listed",
		Steps: []Step{{At: opened, State: protocol.CommandInProgress, Detail: "reset_screen_opened: settings_screen"},
			{At: opened.Add(time.Second), State: protocol.CommandInProgress, Detail: "adb_lost: adb: not listed"},
			{At: opened.Add(time.Minute), State: protocol.CommandTimedOut, Detail: "no sign of a wipe before the command expired"}}}
	for now := opened.Add(2 * time.Second); now.Before(r.Deadline); now = now.Add(10 * time.Minute) {
		r, _ = Next(r, Observed{Now: now, Online: true, Command: lost})
		require.Equal(t, StageWaitingForReset, r.Stage, "at %s: %s", now, r.Reason)
	}
	r, _ = Next(r, Observed{Now: r.Deadline, Online: true, Command: lost})
	assert.Equal(t, StageFailed, r.Stage)
	assert.Contains(t, r.Reason, "never reset")
	assert.Contains(t, r.Reason, "adb_lost")
	require.Len(t, r.Evidence, 2, "recorded once: %+v", r.Evidence)
	assert.Equal(t, opened.Add(time.Second), r.Evidence[1].At)
}

// TestResetScreenIsNotAReset: opening the reset screen, whatever the agent
// says about it, never makes a release released.
func TestResetScreenIsNotAReset(t *testing.T) {
	for _, detail := range []string{"reset started: settings_screen", "reset_screen_opened: settings_screen", "", "something else"} {
		for _, st := range []protocol.CommandState{protocol.CommandInProgress, protocol.CommandSucceeded} {
			r := Release{Stage: StageReset, CommandID: "c1", StageSince: t0, Deadline: t0.Add(time.Hour)}
			got, _ := Next(r, Observed{Now: t0.Add(time.Minute), Command: &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: st, Detail: detail}})
			assert.NotEqual(t, StageReleased, got.Stage, "%s %q", st, detail)
		}
	}
}

// TestResetScreenBoot: the reset screen's evidence records the boot the
// reset began in: the one the agent named for the step; for an agent that
// named none, the latest report's, only if that report arrived before the
// step. A controller that took the release over reads the step late, after
// the phone wiped and came back from a new boot: taking that boot would
// make the phone's next report look like "the same boot, never reset".
func TestResetScreenBoot(t *testing.T) {
	opened := t0.Add(time.Minute)
	step := func(boot string) *Command {
		return &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandInProgress,
			Steps: []Step{{At: opened, State: protocol.CommandInProgress, Detail: "reset_screen_opened: settings_screen", Boot: boot}}}
	}
	rep := func(boot string) *protocol.Report { r := report(); r.BootID = boot; return r }
	tests := []struct {
		name     string
		cmd      *Command
		report   *protocol.Report
		reportAt time.Time
		want     string
	}{
		{"named by the agent", step(bootA), rep(bootB), opened.Add(time.Minute), bootA},
		{"named by the agent, no report", step(bootA), nil, time.Time{}, bootA},
		{"older agent, report before the step", step(""), rep(bootA), opened.Add(-time.Second), bootA},
		{"older agent, report at the step", step(""), rep(bootA), opened, bootA},
		{"older agent, report after the step: unknown", step(""), rep(bootB), opened.Add(time.Second), ""},
		{"older agent, no report: unknown", step(""), nil, time.Time{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Release{Stage: StageReset, CommandID: "c1", StageSince: t0, Deadline: t0.Add(time.Hour)}
			got, _ := Next(r, Observed{Now: opened.Add(time.Hour / 2), Command: tc.cmd, Report: tc.report, ReportAt: tc.reportAt})
			require.Equal(t, StageWaitingForReset, got.Stage, got.Reason)
			ev, ok := last(got.Evidence, EvidenceResetScreenOpened)
			require.True(t, ok)
			assert.Equal(t, tc.want, ev.Boot)
		})
	}
}

// TestRejectedAfterTheScreenOpened: a reset whose screen opened stays a
// reset in flight whatever state its command shows afterwards. A
// "rejected" after the evidence (an agent answering a redelivery, an older
// agent's "replayed") sent the release back to verify, and the phone was
// reset a second time in the two-controller kill test.
func TestRejectedAfterTheScreenOpened(t *testing.T) {
	opened := t0.Add(time.Minute)
	cmd := &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandRejected,
		Detail: "replayed: this command was already received", Steps: []Step{
			{At: opened, State: protocol.CommandInProgress, Detail: "reset_screen_opened: settings_screen", Boot: bootA},
			{At: opened.Add(2 * time.Second), State: protocol.CommandRejected, Detail: "replayed: this command was already received"},
		}}
	r := Release{Stage: StageReset, CommandID: "c1", StageSince: t0, Deadline: t0.Add(time.Hour)}
	got, effects := Next(r, Observed{Now: opened.Add(5 * time.Second), Command: cmd})
	assert.Equal(t, StageWaitingForReset, got.Stage, got.Reason)
	assert.Empty(t, effects, "nothing sent: no second reset")
	// Before any evidence, a rejection is the agent's interlock: verify again.
	refused := &Command{ID: "c1", Kind: protocol.CommandFactoryReset, State: protocol.CommandRejected, Detail: "at risk: mi_account"}
	got, effects = Next(r, Observed{Now: opened, Command: refused})
	assert.Equal(t, StageVerify, got.Stage)
	assert.Equal(t, []Effect{{Send: protocol.CommandRefresh}}, effects)
}

func TestConfirm(t *testing.T) {
	waitingRel := Release{Stage: StageWaitingForReset, CommandID: "c1", Deadline: t0.Add(time.Hour),
		Evidence: []Evidence{{Kind: EvidenceResetScreenOpened, At: t0, Source: "agent: settings_screen"}}}
	got, err := Confirm(waitingRel, Observed{Now: t0.Add(time.Minute)}, "alice")
	require.NoError(t, err)
	assert.Equal(t, StageReleased, got.Stage)
	require.Len(t, got.Evidence, 2)
	assert.Equal(t, Evidence{Kind: EvidenceOperatorConfirmed, At: t0.Add(time.Minute), Source: "operator:alice"}, got.Evidence[1])
	assert.Len(t, waitingRel.Evidence, 1, "the input is not changed")

	for _, s := range []Stage{StageVerify, StageSignOut, StageReset, StageReleased, StageFailed, StageCanceled} {
		r := Release{Stage: s}
		got, err := Confirm(r, Observed{Now: t0}, "alice")
		assert.ErrorIs(t, err, ErrNotWaiting, "%s", s)
		assert.Equal(t, s, got.Stage)
	}
}

// TestConfirmContradicted: a phone whose session is up and that reported,
// after its reset screen opened, from the boot it had then was never
// wiped: the confirmation is refused. Offline, from another boot, or
// nothing reported since, it stands.
func TestConfirmContradicted(t *testing.T) {
	waitingRel := Release{Stage: StageWaitingForReset, CommandID: "c1", StageSince: t0, Deadline: t0.Add(time.Hour),
		Evidence: []Evidence{{Kind: EvidenceResetScreenOpened, At: t0, Source: "agent: settings_screen", Boot: "boot-1"}}}
	rep := func(boot string) *protocol.Report { return &protocol.Report{BootID: boot, SafeToReset: true} }
	unreadable := &protocol.Report{Risks: []protocol.Risk{{Kind: protocol.RiskUnknown, Check: "adb"}}}
	now := t0.Add(5 * time.Minute)
	tests := []struct {
		name    string
		r       Release
		o       Observed
		refused bool
	}{
		{"online, same boot, reported since", waitingRel, Observed{Now: now, Online: true, Report: rep("boot-1"), ReportAt: t0.Add(time.Minute)}, true},
		{"online, boot unknown, phone read since", waitingRel, Observed{Now: now, Online: true, Report: rep(""), ReportAt: t0.Add(time.Minute)}, true},
		{"online, nothing readable since (bench lost the phone)", waitingRel, Observed{Now: now, Online: true, Report: unreadable, ReportAt: t0.Add(time.Minute)}, false},
		{"offline", waitingRel, Observed{Now: now, Report: rep("boot-1"), ReportAt: t0.Add(time.Minute)}, false},
		{"another boot", waitingRel, Observed{Now: now, Online: true, Report: rep("boot-2"), ReportAt: t0.Add(time.Minute)}, false},
		{"nothing reported since", waitingRel, Observed{Now: now, Online: true, Report: rep("boot-1"), ReportAt: t0.Add(-time.Second)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Confirm(tc.r, tc.o, "alice")
			if tc.refused {
				require.ErrorIs(t, err, ErrContradicted)
				assert.Contains(t, err.Error(), "still up")
				assert.Equal(t, StageWaitingForReset, got.Stage)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, StageReleased, got.Stage)
		})
	}
}
