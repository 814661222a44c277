package agent

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/unbind/unbind/protocol"
)

// resetCheckMaxAge bounds how old the check behind a reset may be. The agent
// checks right before acting, so this only guards against a slow phone.
const resetCheckMaxAge = time.Minute

// maxSeenCommands bounds the memory of command IDs kept to drop redeliveries.
const maxSeenCommands = 4096

// executor runs the controller's commands on the session's goroutine.
type executor struct {
	s      *session
	log    *slog.Logger
	seen   *seenCommands
	active *activeCommand
}

type activeCommand struct {
	cmd    protocol.Command
	guided GuideStep
	detail string
	// adbLost: the agent told the controller that the bench's adb lost
	// the phone, and has not seen it since.
	adbLost bool
	// boot is the phone's boot at a factory reset's interlock check.
	boot string
}

func newExecutor(s *session) *executor {
	e := &executor{s: s, log: s.log, seen: loadSeen(s.a.cfg.StateDir, s.a.cfg.Now(), s.log)}
	// A guided step the last run left unfinished goes on: the person is
	// guided again, and the command ends when the phone shows it done.
	if cmd, ok := loadActive(s.a.cfg.StateDir, s.a.cfg.Now(), s.log); ok {
		e.log.Info("resuming the guided command of the last run", LogCommand, cmd.ID, "kind", string(cmd.Kind))
		e.active = &activeCommand{cmd: cmd}
	}
	return e
}

// setActive changes the guided command in progress and keeps it in the
// state directory, so that a restart resumes it.
func (e *executor) setActive(a *activeCommand) {
	e.active = a
	var cmd *protocol.Command
	if a != nil {
		cmd = &a.cmd
	}
	if err := saveActive(e.s.a.cfg.StateDir, cmd); err != nil {
		e.log.Warn("cannot keep the guided command for a restart", "err", err)
	}
}

func (e *executor) busy() bool { return e.active != nil }

func (e *executor) handle(ctx context.Context, cmd protocol.Command) {
	busyWith := ""
	if e.active != nil {
		busyWith = e.active.cmd.ID
	}
	now := e.s.a.cfg.Now()
	log := e.log.With(slog.String(LogCommand, cmd.ID), slog.String("kind", string(cmd.Kind)))
	verdict, reason := vet(cmd, e.s.a.cfg.ControllerKey, e.seen, busyWith)
	trusted := verdict == admitRun
	if trusted {
		verdict, reason = admit(cmd, e.s.id, now, e.seen.has, busyWith)
	}
	switch verdict {
	case admitDuplicate:
		log.Info("command already received: dropped")
		return
	case admitReject:
		// Only a command from the controller counts as received: a forger
		// must not be able to burn the IDs of commands yet to come.
		if trusted {
			if err := e.seen.add(cmd.ID, cmd.ExpiresAt, now); err != nil {
				log.Warn("could not record rejected command", "err", err)
			}
		}
		log.Info("command rejected", "reason", reason)
		e.emit(ctx, cmd.ID, protocol.CommandRejected, reason)
		return
	}
	if err := e.seen.add(cmd.ID, cmd.ExpiresAt, now); err != nil {
		// Run nothing that a restart could run a second time.
		log.Error("command rejected: cannot record it", "err", err)
		e.emit(ctx, cmd.ID, protocol.CommandRejected, "agent cannot record the command in its state directory")
		return
	}
	log.Info("command accepted")
	e.emit(ctx, cmd.ID, protocol.CommandAccepted, "")

	switch cmd.Kind {
	case protocol.CommandRefresh:
		r := e.s.refresh(ctx)
		e.emit(ctx, cmd.ID, protocol.CommandSucceeded, "verdict "+string(r.Verdict()))
	case protocol.CommandCancel:
		if e.active == nil || e.active.cmd.ID != cmd.Target {
			e.emit(ctx, cmd.ID, protocol.CommandFailed, "no running command "+cmd.Target)
			return
		}
		e.emit(ctx, cmd.Target, protocol.CommandCanceled, "canceled by "+cmd.ID)
		e.setActive(nil)
		e.emit(ctx, cmd.ID, protocol.CommandSucceeded, "")
	case protocol.CommandSignOut, protocol.CommandDisableFindDevice:
		e.setActive(&activeCommand{cmd: cmd})
		e.poll(ctx)
	case protocol.CommandFactoryReset:
		e.reset(ctx, cmd)
	}
}

// poll re-reads the phone for the active guided command, guides the person to
// the next screen when what remains changed, and ends the command when the
// goal is verified or its time is up.
func (e *executor) poll(ctx context.Context) {
	a := e.active
	if a == nil {
		return
	}
	if a.cmd.Kind == protocol.CommandFactoryReset {
		// Never reset again: only watch the reset already started.
		e.watchWipe(ctx)
		return
	}
	r := e.s.refresh(ctx)
	done, remaining := progress(a.cmd.Kind, r)
	switch {
	case done:
		e.setActive(nil)
		e.emit(ctx, a.cmd.ID, protocol.CommandSucceeded, "verified on the phone")
		return
	case !e.s.a.cfg.Now().Before(a.cmd.ExpiresAt):
		e.setActive(nil)
		e.emit(ctx, a.cmd.ID, protocol.CommandTimedOut, "still present: "+kinds(remaining))
		return
	}
	step, ok := guideFor(remaining)
	detail := "waiting for the person at the phone: " + kinds(remaining)
	if !ok {
		detail = "cannot verify yet: " + kinds(remaining)
	}
	if ok && step != a.guided {
		if err := e.s.a.phone.Guide(ctx, step); err != nil {
			e.log.Warn("guide failed", LogCommand, a.cmd.ID, "step", step, "err", err)
			detail = fmt.Sprintf("could not open the %s screen; %s", step, detail)
		} else {
			a.guided = step
		}
	}
	if detail != a.detail {
		a.detail = detail
		e.emit(ctx, a.cmd.ID, protocol.CommandInProgress, detail)
	}
}

// reset is the agent's half of the interlock: whatever the controller
// believed, the phone is read again now and a single risk refuses the reset.
func (e *executor) reset(ctx context.Context, cmd protocol.Command) {
	r := e.s.refresh(ctx)
	if why := resetVerdict(r, e.s.a.cfg.Now(), resetCheckMaxAge); why != "" {
		e.emitReset(ctx, r.BootID, cmd.ID, protocol.CommandRejected, why)
		return
	}
	// Said before the reset starts: a wiping phone may never get to say
	// anything after. A certificate shows this check, not an older report.
	e.emitReset(ctx, r.BootID, cmd.ID, protocol.CommandInProgress, protocol.InterlockDetail(r.CheckedAt))
	method, err := e.s.a.phone.FactoryReset(ctx)
	switch {
	case err != nil && method != "":
		// Sent, but the phone stopped answering before it could be seen to
		// start: likely wiping, yet unproven, so it is not counted a success.
		e.emitReset(ctx, r.BootID, cmd.ID, protocol.CommandFailed, "reset sent ("+string(method)+") but not confirmed: "+err.Error())
		return
	case err != nil:
		e.emitReset(ctx, r.BootID, cmd.ID, protocol.CommandFailed, "reset did not start: "+err.Error())
		return
	case method == ResetBroadcast:
		e.emitReset(ctx, r.BootID, cmd.ID, protocol.CommandSucceeded, protocol.ResetDetail(protocol.EvidenceWipeStarted, string(method)))
		return
	}
	// Only a screen is open: the person at the phone has yet to confirm.
	// The command stays in progress while the agent watches for the wipe.
	e.emitReset(ctx, r.BootID, cmd.ID, protocol.CommandInProgress, protocol.ResetDetail(protocol.EvidenceResetScreenOpened, string(method)))
	if _, ok := e.s.a.phone.(WipeWatcher); !ok {
		e.emitReset(ctx, r.BootID, cmd.ID, protocol.CommandSucceeded, protocol.ResetDetail(protocol.EvidenceResetScreenOpened, string(method)))
		return
	}
	e.setActive(&activeCommand{cmd: cmd, detail: "watching", boot: r.BootID})
}

// watchWipe looks once whether the reset the person was asked to confirm
// has started, and ends the command when it has or when its time is up. A
// phone that wipes goes down within seconds of the confirmation, so the
// agent publishes what it saw at once: it may not get another chance.
func (e *executor) watchWipe(ctx context.Context) {
	a := e.active
	if w, ok := e.s.a.phone.(WipeWatcher); ok {
		sign, err := w.LookForWipe(ctx)
		if err != nil {
			e.log.Debug("wipe watch", LogCommand, a.cmd.ID, "err", err)
		}
		say, lost := wipeWatchStep(a.adbLost, sign)
		a.adbLost = lost
		switch {
		case say.State.Terminal():
			e.setActive(nil)
			e.emitReset(ctx, a.boot, a.cmd.ID, say.State, say.Detail)
			return
		case say.State != "":
			e.emitReset(ctx, a.boot, a.cmd.ID, say.State, say.Detail)
		}
	}
	if !e.s.a.cfg.Now().Before(a.cmd.ExpiresAt) {
		e.setActive(nil)
		e.emitReset(ctx, a.boot, a.cmd.ID, protocol.CommandTimedOut, "no sign of a wipe before the command expired")
	}
}

func (e *executor) emit(ctx context.Context, id string, st protocol.CommandState, detail string) {
	e.s.publishEvent(ctx, e.s.event(id, st, detail), false)
}

// emitReset is emit for a step of a factory reset once its interlock ran:
// it names the boot the reset began in, which the controller compares with
// the boot the phone reports from afterwards, and it is published retained.
// The broker acknowledges an event once it has it; a controller that dies
// before writing it loses it, and a wiping phone's "wipe started" may be
// the last thing its agent says. The controller that takes the release over
// reads the reset's last step again from the broker. Only the reset's steps
// are retained, so that no later event of another command replaces it.
func (e *executor) emitReset(ctx context.Context, boot, id string, st protocol.CommandState, detail string) {
	ev := e.s.event(id, st, detail)
	ev.BootID = boot
	e.s.publishEvent(ctx, ev, true)
}

func kinds(risks []protocol.Risk) string {
	return RiskSummary(protocol.Report{Risks: risks})
}
