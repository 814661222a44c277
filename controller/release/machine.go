// Package release is the release workflow as a pure state machine: given a
// release and what the controller knows of its phone now, Next says what the
// release becomes and what the controller must do. The controller persists
// the new state before it acts, so a restart resumes where it stopped.
package release

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Stage is where a release stands.
type Stage string

const (
	// StageVerify: waiting for a fresh report of the phone.
	StageVerify Stage = "verify"
	// StageSignOut: the person at the phone is guided to sign out.
	StageSignOut Stage = "sign_out"
	// StageFindDevice: the person is guided to switch Find Device off.
	StageFindDevice Stage = "disable_find_device"
	// StageReset: a factory reset was sent after a fresh, safe report.
	StageReset Stage = "reset"
	// StageWaitingForReset: without root, the agent opened the reset
	// screen; the release waits for evidence that the wipe started (or an
	// operator's confirmation) and fails if the phone comes back unchanged.
	StageWaitingForReset Stage = "waiting_for_reset"
	// Terminal stages.
	StageReleased Stage = "released"
	StageFailed   Stage = "failed"
	StageCanceled Stage = "canceled"
)

// Terminal reports whether the release has ended.
func (s Stage) Terminal() bool {
	return s == StageReleased || s == StageFailed || s == StageCanceled
}

// Release is the part of a release the machine decides on.
type Release struct {
	Stage Stage
	// CommandID is the command the current stage waits for ("" if none yet).
	CommandID string
	// StageSince is when the current stage began; a report counts as fresh
	// for this stage only if received after it.
	StageSince time.Time
	Deadline   time.Time
	Reason     string
	// Evidence is what was seen of the reset, oldest first.
	Evidence []Evidence
	// HoldOnTimeout puts the release on hold, not failed, when it cannot
	// finish by its deadline or meets a lock only someone elsewhere can
	// clear. HoldReason says why it waits while on hold.
	HoldOnTimeout bool
	HoldReason    string
	// HeldSince is when it went on hold; zero when it is not on hold.
	HeldSince time.Time
}

// Same reports whether r and o are the same release state.
func (r Release) Same(o Release) bool {
	return r.Stage == o.Stage && r.CommandID == o.CommandID && r.StageSince.Equal(o.StageSince) &&
		r.Deadline.Equal(o.Deadline) && r.Reason == o.Reason && slices.EqualFunc(r.Evidence, o.Evidence, Evidence.equal) &&
		r.HoldOnTimeout == o.HoldOnTimeout && r.HoldReason == o.HoldReason && r.HeldSince.Equal(o.HeldSince)
}

// Command is what the registry knows of the release's current command.
type Command struct {
	ID   string
	Kind protocol.CommandKind
	// State is the registry's command state: queued and sent (set by the
	// controller, never terminal) or a state the agent reported.
	State  protocol.CommandState
	Detail string
	// At is when the controller received the command's newest state.
	At time.Time
	// Steps are the command's recorded steps, oldest first; the reset's
	// evidence is read from their details.
	Steps []Step
}

// Step is one recorded step of a command.
type Step struct {
	At     time.Time
	State  protocol.CommandState
	Detail string
	// Boot is the phone's boot the agent named for the step ("" if none).
	Boot string
}

// Observed is what the controller knows of the phone right now.
type Observed struct {
	Now time.Time
	// Report is the phone's latest report and ReportAt when it arrived; nil
	// if none.
	Report   *protocol.Report
	ReportAt time.Time
	Command  *Command
	// MaxReportAge bounds how old a safe report may be for a reset.
	MaxReportAge time.Duration
	// Online is whether the phone's MQTT session is up; PresenceAt is when
	// it last went online or offline (zero if never).
	Online     bool
	PresenceAt time.Time
	// Busy is another command that occupies the phone's agent and has not
	// ended (protocol.CommandKind.Occupies), nil if none is known: guidance
	// sent now would only be refused as busy.
	Busy *Command
	// IdentityProblem, when set, says why the phone's identity cannot be
	// trusted (another enrolled device reports its serial or IMEI): the
	// release holds before any reset until an operator resolves it.
	IdentityProblem string
}

// Effect is what the controller must do after persisting the new state.
type Effect struct {
	// Send is the kind of command to send, if any.
	Send protocol.CommandKind
}

// Next is the release workflow: verify, guide sign-out, verify, guide Find
// Device off, verify, reset (only on a fresh, safe report), record.
func Next(r Release, o Observed) (Release, []Effect) {
	if r.Stage.Terminal() {
		return r, nil
	}
	if r.Stage == StageOnHold {
		return onHold(r, o)
	}
	if !o.Now.Before(r.Deadline) {
		if r.HoldOnTimeout && r.Stage != StageWaitingForReset && r.Stage != StageReset {
			return hold(r, holdReason(o.Report), o.Now)
		}
		if r.Stage == StageWaitingForReset {
			return fail(r, "never reset: no evidence that the wipe started before the deadline (seen: "+seen(r.Evidence)+")")
		}
		return fail(r, fmt.Sprintf("timed out in stage %s%s", r.Stage, remaining(o.Report)))
	}
	if o.IdentityProblem != "" && r.Stage != StageReset && r.Stage != StageWaitingForReset {
		return holdForIdentity(r, o.IdentityProblem)
	}
	switch r.Stage {
	case StageVerify:
		return verify(r, o)
	case StageSignOut, StageFindDevice:
		return guided(r, o)
	case StageReset:
		return reset(r, o)
	case StageWaitingForReset:
		return waiting(r, o)
	}
	return fail(r, fmt.Sprintf("unknown stage %q", r.Stage))
}

// DueByTime reports whether time alone may have changed what Next decides
// for r since its last decision: its deadline passed, or a guided stage's
// pause after a busy phone is over. Everything else Next looks at changes
// only with a report, a presence change or a command's state, which the
// controller announces; a release that is not due can wait for those.
func DueByTime(r Release, now time.Time) bool {
	if r.Stage.Terminal() {
		return false
	}
	if !now.Before(r.Deadline) {
		return true
	}
	guided := r.Stage == StageSignOut || r.Stage == StageFindDevice
	return guided && r.CommandID == "" && !now.Before(r.StageSince.Add(BusyRetry))
}

func verify(r Release, o Observed) (Release, []Effect) {
	fresh := o.Report != nil && o.ReportAt.After(r.StageSince)
	if !fresh {
		// Ask for a report once per verify stage; the command's own end
		// (it may be rejected or time out) asks again.
		if r.CommandID == "" || (o.Command != nil && terminal(o.Command.State)) {
			return to(r, StageVerify, o.Now, false), []Effect{{Send: protocol.CommandRefresh}}
		}
		return r, nil
	}
	rep := o.Report
	switch {
	case ResetAllowed(rep, o.ReportAt, o.Now, o.MaxReportAge) == nil:
		return to(r, StageReset, o.Now, true), []Effect{{Send: protocol.CommandFactoryReset}}
	case rep.SafeToReset && rep.Catalogue < protocol.CatalogueRevision:
		return fail(r, OldAgentReason(rep))
	case rep.HasRisk(protocol.KindsWithRemedy(protocol.RemedyElsewhere)...) && r.HoldOnTimeout:
		return hold(r, holdReason(rep), o.Now)
	case rep.HasRisk(protocol.KindsWithRemedy(protocol.RemedyElsewhere)...):
		return fail(r, elsewhereReason(rep))
	case rep.HasRisk(protocol.KindsWithRemedy(protocol.RemedySignOut)...):
		return guide(to(r, StageSignOut, o.Now, true), o)
	case rep.HasRisk(protocol.KindsWithRemedy(protocol.RemedySwitchOff)...):
		return guide(to(r, StageFindDevice, o.Now, true), o)
	default:
		// Only unknowns (or a safe report too old): read again.
		r.Reason = "could not verify yet:" + remaining(rep)
		return to(r, StageVerify, o.Now, false), []Effect{{Send: protocol.CommandRefresh}}
	}
}

// elsewhereReason says why a release stops on a lock nobody at the bench
// can clear, and who can: the catalogue's words for each such lock.
func elsewhereReason(rep *protocol.Report) string {
	var parts []string
	for _, k := range rep.RiskKinds() {
		if l := protocol.LockOf(k); l.Remedy == protocol.RemedyElsewhere {
			parts = append(parts, l.Title+": only "+l.ClearedBy+" can clear it")
		}
	}
	return strings.Join(parts, "; ")
}

// BusyRetry is how long a release waits before it asks again a phone that
// refused its guidance only because it was running another command.
const BusyRetry = 5 * time.Second

func guided(r Release, o Observed) (Release, []Effect) {
	if r.CommandID == "" {
		return askAgain(r, o)
	}
	if o.Command == nil || !terminal(o.Command.State) {
		return r, nil
	}
	switch {
	case o.Command.State == protocol.CommandSucceeded:
		return to(r, StageVerify, o.Now, true), []Effect{{Send: protocol.CommandRefresh}}
	case o.Command.State == protocol.CommandRejected && protocol.RejectedBusy(o.Command.Detail):
		// A busy phone is not a failed release: nothing about the phone
		// refused the guidance.
		r.CommandID, r.StageSince = "", o.Now
		if o.Busy != nil {
			return waitFor(r, o.Busy), nil
		}
		r.Reason = "waiting: the phone is " + o.Command.Detail
		return r, nil
	}
	return fail(r, fmt.Sprintf("%s %s: %s", o.Command.Kind, o.Command.State, o.Command.Detail))
}

// guide sends the guidance of r's stage, unless another command occupies
// the phone: then it waits for that one to end, sending nothing that the
// agent would only refuse.
func guide(r Release, o Observed) (Release, []Effect) {
	if o.Busy != nil {
		return waitFor(r, o.Busy), nil
	}
	r.StageSince, r.Reason = o.Now, ""
	return r, []Effect{{Send: CommandFor(r.Stage)}}
}

// askAgain is a guided stage without its command: the phone was busy. It
// asks again once the command that occupied the phone has ended (at once
// when it was known and is over); when the agent named one the controller
// does not know of, after a pause of BusyRetry. The reason that named the
// busy command goes with it.
func askAgain(r Release, o Observed) (Release, []Effect) {
	if o.Busy == nil && !strings.HasPrefix(r.Reason, waitingForPrefix) && o.Now.Before(r.StageSince.Add(BusyRetry)) {
		return r, nil
	}
	return guide(r, o)
}

// waitingForPrefix starts the reason of a release waiting for another
// command on its phone to end.
const waitingForPrefix = "waiting for command "

func waitFor(r Release, busy *Command) Release {
	r.Reason = waitingForPrefix + busy.ID + " (" + string(busy.Kind) + ") to end on the phone; this release's guidance follows"
	return r
}

// CommandFor is the command a stage waits for ("" for terminal stages).
func CommandFor(s Stage) protocol.CommandKind {
	switch s {
	case StageSignOut:
		return protocol.CommandSignOut
	case StageFindDevice:
		return protocol.CommandDisableFindDevice
	case StageReset:
		return protocol.CommandFactoryReset
	case StageVerify:
		return protocol.CommandRefresh
	}
	return ""
}

func reset(r Release, o Observed) (Release, []Effect) {
	if o.Command == nil {
		return r, nil
	}
	// Evidence of the reset wins over whatever state the command shows: a
	// phone whose reset screen opened may be wiping, and a "rejected" after
	// it (an agent answering a redelivery) must never send the release back
	// to verify and a second reset after the first.
	if evs := resetEvidence(o); len(evs) > 0 {
		for _, ev := range evs {
			if ev.Kind == EvidenceResetScreenOpened && ev.Boot == "" {
				ev.Boot = bootAt(o, ev.At)
			}
			r.Evidence = append(slices.Clip(r.Evidence), ev)
		}
		if ev, ok := last(r.Evidence, EvidenceWipeStarted); ok {
			r.Stage, r.Reason = StageReleased, ev.Source
			return r, nil
		}
		cmdID := r.CommandID
		r = to(r, StageWaitingForReset, o.Now, true)
		r.CommandID = cmdID // the agent watches for the wipe under it
		return r, nil
	}
	if !terminal(o.Command.State) {
		return r, nil
	}
	switch o.Command.State {
	case protocol.CommandSucceeded:
		// A success that says nothing of what was seen is no reset.
		cmdID := r.CommandID
		r = to(r, StageWaitingForReset, o.Now, false)
		r.CommandID = cmdID
		r.Reason = "the phone reported the reset without evidence: " + o.Command.Detail
		return r, nil
	case protocol.CommandRejected:
		// The agent found a risk the controller had not seen: look again.
		r.Reason = "reset refused by the phone: " + o.Command.Detail
		return to(r, StageVerify, o.Now, false), []Effect{{Send: protocol.CommandRefresh}}
	}
	return fail(r, fmt.Sprintf("factory_reset %s: %s", o.Command.State, o.Command.Detail))
}

// bootAt is the phone's boot at the moment at, as far as o tells, for a
// step whose agent named no boot (agents before protocol revision 5): the
// latest report's boot when that report arrived no later. A report that
// arrived after may come from a boot since (a controller that took the
// release over reads the step late, after the phone wiped and came back),
// so it tells nothing of the boot at; "" says unknown.
func bootAt(o Observed, at time.Time) string {
	if o.Report == nil || o.ReportAt.After(at) {
		return ""
	}
	return o.Report.BootID
}

// holdForIdentity keeps r where it is, saying why, and sends nothing: its
// phone's identity is in doubt. Resolved, the release goes on from the same
// stage; otherwise its deadline ends it.
func holdForIdentity(r Release, why string) (Release, []Effect) {
	r.Reason = "held: " + why
	return r, nil
}

// to moves r to stage s; keepReason false clears the explanation.
func to(r Release, s Stage, now time.Time, clearReason bool) Release {
	r.Stage, r.CommandID, r.StageSince = s, "", now
	if clearReason {
		r.Reason = ""
	}
	return r
}

func fail(r Release, reason string) (Release, []Effect) {
	r.Stage, r.Reason = StageFailed, reason
	return r, nil
}

func terminal(state protocol.CommandState) bool {
	return state.Terminal()
}

func remaining(r *protocol.Report) string {
	if r == nil || len(r.Risks) == 0 {
		return ""
	}
	return "; still present: " + protocol.JoinRiskKinds(r.RiskKinds(), ", ")
}
