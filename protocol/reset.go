package protocol

import (
	"strings"
	"time"
)

// ResetEvidence names what was seen of a factory reset. A release is
// released only on WipeStarted or OperatorConfirmed; the others are recorded
// as what they are and never count as a reset.
type ResetEvidence string

const (
	// EvidenceResetScreenOpened: the agent opened the vendor's reset screen
	// for the person at the phone. Nothing was wiped yet.
	EvidenceResetScreenOpened ResetEvidence = "reset_screen_opened"
	// EvidenceWipeStarted: the wipe was seen to start: the root reset
	// broadcast was accepted, or the agent saw the phone going down into
	// recovery (the source says which signal).
	EvidenceWipeStarted ResetEvidence = "wipe_started"
	// EvidenceOperatorConfirmed: an operator stated that the phone shows the
	// first-boot setup screen.
	EvidenceOperatorConfirmed ResetEvidence = "operator_confirmed"
	// EvidenceADBLost: an agent on a bench PC no longer sees the phone in
	// `adb devices` after the reset screen opened. A wiping phone drops
	// off, and so does a phone whose cable was pulled: never enough by
	// itself. Agents before it never send it; controllers before it ignore it.
	EvidenceADBLost ResetEvidence = "adb_lost"
)

// ResetDetail is the Detail of a factory_reset command event that carries
// evidence: "<evidence>: <source>", e.g. "wipe_started: root_broadcast".
func ResetDetail(e ResetEvidence, source string) string {
	return string(e) + ": " + source
}

// ParseResetDetail reads the evidence a factory_reset event's Detail
// carries. It also reads the form agents used before evidence was named
// ("reset started: root_broadcast" or "reset started: settings_screen"). The
// source is everything after the first ": " and may hold more of them
// ("wipe_started: adb: recovery"). ok is false for any other text, and for
// operator_confirmed, which no agent may claim.
func ParseResetDetail(detail string) (e ResetEvidence, source string, ok bool) {
	head, source, found := strings.Cut(detail, ": ")
	if !found {
		return "", "", false
	}
	switch ResetEvidence(head) {
	case EvidenceResetScreenOpened, EvidenceWipeStarted, EvidenceADBLost:
		return ResetEvidence(head), source, true
	}
	if head == "reset started" {
		switch source {
		case "root_broadcast":
			return EvidenceWipeStarted, source, true
		case "settings_screen":
			return EvidenceResetScreenOpened, source, true
		}
	}
	return "", "", false
}

// interlockPassed heads the Detail of the in_progress event an agent sends
// when its own interlock check passed, right before it starts the reset.
const interlockPassed = "interlock_passed"

// InterlockDetail is that Detail: the check time of the safe report the
// agent read from the phone just now, by the phone's clock, e.g.
// "interlock_passed: safe, checked_at 2026-12-06T19:00:00Z". Agents before
// the 2026-12-06 revision never send it; ParseResetDetail ignores it, so
// controllers before it record it as a plain step.
func InterlockDetail(checkedAt time.Time) string {
	return interlockPassed + ": safe, checked_at " + checkedAt.UTC().Format(time.RFC3339Nano)
}

// ParseInterlockDetail reads an InterlockDetail: the check time of the
// agent's final check, and ok false for any other text.
func ParseInterlockDetail(detail string) (checkedAt time.Time, ok bool) {
	rest, found := strings.CutPrefix(detail, interlockPassed+": safe, checked_at ")
	if !found {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, rest)
	return t, err == nil
}
