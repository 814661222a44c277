package console

import (
	"strings"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

// Status is what a tile shows first: the verdict of an online phone, or
// offline. A phone that never reported is "unknown": unknown is never safe.
type Status string

const (
	StatusSafe    Status = "safe"
	StatusAtRisk  Status = "at_risk"
	StatusUnknown Status = "unknown"
	StatusOffline Status = "offline"
)

var statuses = []Status{StatusSafe, StatusAtRisk, StatusUnknown, StatusOffline}

// Words is how a status is written: colour is never the only signal.
func (s Status) Words() string {
	switch s {
	case StatusSafe:
		return "safe"
	case StatusAtRisk:
		return "not safe"
	case StatusOffline:
		return "offline"
	default:
		return "could not tell"
	}
}

func verdictStatus(v protocol.Verdict) Status {
	switch v {
	case protocol.VerdictSafe:
		return StatusSafe
	case protocol.VerdictAtRisk:
		return StatusAtRisk
	default:
		return StatusUnknown
	}
}

func statusOf(d registry.Device) Status {
	if !d.Online {
		return StatusOffline
	}
	return verdictStatus(d.Verdict)
}

// riskWords names a risk kind for people, in the catalogue's words.
func riskWords(k protocol.RiskKind) string { return protocol.LockOf(k).Title }

// riskStep is what the person at the bench does about one risk kind.
func riskStep(k protocol.RiskKind) string { return protocol.LockOf(k).Step() }

// nextSteps says in plain language what to do with a phone, most urgent
// first, each step once; there is always at least one.
func nextSteps(d registry.Device, rel *registry.ReleaseRecord) []string {
	if rel != nil && !rel.Finished() && release.Stage(rel.Stage) == release.StageWaitingForReset {
		return []string{"The reset screen is open on the phone: the person at it confirms the reset there. " +
			"Once the phone shows the first-boot setup screen, confirm it on the phone's page or the Releases page."}
	}
	if rel != nil && !rel.Finished() && release.Stage(rel.Stage) == release.StageOnHold {
		return []string{"Its release is on hold (" + rel.HoldReason + "): it goes on by itself once the phone shows clean. " +
			"The On hold page has the unlink sheet for the previous owner."}
	}
	if rel != nil && !rel.Finished() {
		return []string{"A release is running (" + stageWords(rel.Stage) + "): follow it on the Releases page."}
	}
	if rel != nil && rel.Outcome == registry.OutcomeReleased {
		return []string{"Released and reset: its certificate can be issued and printed from the phone's page."}
	}
	var steps []string
	if !d.Online {
		steps = append(steps, "Connect the phone and start its agent: nothing it shows now is current.")
	}
	switch {
	case d.State == nil:
		steps = append(steps, "Wait for the phone's first check. Do not reset it yet.")
	case d.Verdict == protocol.VerdictSafe:
		if d.Online {
			steps = append(steps, "Safe to reset: select it and release it.")
		} else {
			steps = append(steps, "It was safe when last seen; release it once it is back online.")
		}
	case d.Verdict == protocol.VerdictAtRisk:
		for _, k := range d.State.RiskKinds() {
			steps = append(steps, riskStep(k))
		}
	default:
		steps = append(steps, riskStep(protocol.RiskUnknown))
	}
	if len(steps) == 0 { // not safe, with no risk named: still never reset it
		steps = append(steps, "Not safe: do not reset it; open the phone for the evidence.")
	}
	// What the phone cannot show: a binding its maker keeps on its servers.
	if m, ok := protocol.MakerOf(d.Identity); ok && m.Remote != "" {
		steps = append(steps, m.Remote)
	}
	return steps
}

// stageWords is a release stage as the operator reads it: the release
// package's one table, shared with the API and the CLI.
func stageWords(stage string) string { return release.Words(stage) }

// releaseState groups stages for the fleet's filter.
func releaseState(rel *registry.ReleaseRecord) string {
	switch {
	case rel == nil:
		return "none"
	case !rel.Finished():
		return "running"
	default:
		return rel.Outcome
	}
}

// evidenceWords says what was seen of a reset.
func evidenceWords(kind string) string {
	switch release.EvidenceKind(kind) {
	case release.EvidenceResetScreenOpened:
		return "reset screen opened on the phone"
	case release.EvidenceWipeStarted:
		return "wipe started"
	case release.EvidenceOperatorConfirmed:
		return "an operator saw the setup screen"
	case release.EvidenceSessionEnded:
		return "the phone went offline"
	case release.EvidenceRebooted:
		return "the phone restarted with its data"
	case release.EvidenceSeenCleanAfterReset:
		return "seen clean after the reset (no account, no reset protection)"
	case release.EvidenceSeenLockedAfterReset:
		return "seen LOCKED after the reset"
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// waitsForReset says an operator may confirm the release's reset.
func waitsForReset(rel registry.ReleaseRecord) bool {
	return !rel.Finished() && release.Stage(rel.Stage) == release.StageWaitingForReset
}
