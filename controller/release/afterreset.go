package release

import (
	"time"

	"github.com/unbind/unbind/protocol"
)

// What a released phone shows when it is seen again after its reset.
const (
	// EvidenceSeenCleanAfterReset: after the reset the phone answered from
	// another boot (or from trade-in mode, which only a factory-reset phone
	// enters) with no account, reset protection inactive and every check
	// safe. The strongest evidence a certificate can rest on.
	EvidenceSeenCleanAfterReset EvidenceKind = "seen_clean_after_reset"
	// EvidenceSeenLockedAfterReset: after the reset the phone shows a lock
	// (reset protection engaged, an account back): the release failed.
	EvidenceSeenLockedAfterReset EvidenceKind = "seen_locked_after_reset"
)

// AfterReset judges a report of a released phone, received at reportAt,
// for what it shows of the reset: seen clean, seen locked, or nothing to
// say. It changes only a release that ended released, once for each kind:
// a phone seen locked turns its release to failed with the reason, even if
// it was seen clean before (a lock that came back is the last word).
//
// A report counts as after the reset only when it was received after the
// release ended and comes from a boot other than the one the reset began
// in, or from trade-in mode. Without a boot on either side, only trade-in
// mode or a phone in its setup screen count.
func AfterReset(r Release, finishedAt time.Time, rep *protocol.Report, reportAt time.Time) (Release, bool) {
	if rep == nil || r.Stage != StageReleased || !reportAt.After(finishedAt) || has(r.Evidence, EvidenceSeenLockedAfterReset) {
		return r, false
	}
	ev, why := seenAfterReset(preResetBoot(r.Evidence), rep, reportAt)
	switch {
	case ev.Kind == EvidenceSeenLockedAfterReset:
		r.Evidence = append(r.Evidence, ev)
		r.Stage, r.Reason = StageFailed, why
		return r, true
	case ev.Kind == EvidenceSeenCleanAfterReset && !has(r.Evidence, EvidenceSeenCleanAfterReset):
		r.Evidence = append(r.Evidence, ev)
		return r, true
	}
	return r, false
}

// seenAfterReset judges rep, received at reportAt, as a report from after a
// reset that began in boot ("" when unknown): seen locked (with the
// reason), seen clean, or a zero Evidence when it tells nothing (the same
// boot, or a phone neither in its setup nor clean).
func seenAfterReset(boot string, rep *protocol.Report, reportAt time.Time) (Evidence, string) {
	setup := rep.Setup
	switch {
	case setup != nil && setup.TradeIn:
	case boot != "" && rep.BootID != "" && rep.BootID != boot:
	case boot == "" && inSetup(rep):
	default:
		return Evidence{}, "" // the same boot, or nothing tells
	}
	source := "agent: " + afterResetSignal(rep)
	switch {
	case rep.HasRisk(protocol.LockKindsCheckedBy(protocol.CatalogueRevision)...):
		return Evidence{Kind: EvidenceSeenLockedAfterReset, At: reportAt, Source: source},
			"seen locked after its reset: " + protocol.JoinRiskKinds(rep.RiskKinds(), ", ")
	case rep.Verdict() == protocol.VerdictSafe && rep.Catalogue >= protocol.CatalogueRevision && len(rep.Accounts) == 0 &&
		setup != nil && setup.FRPActive == protocol.TriOff:
		return Evidence{Kind: EvidenceSeenCleanAfterReset, At: reportAt, Source: source}, ""
	}
	return Evidence{}, ""
}

// inSetup reports whether rep shows the phone in its first-boot setup
// (device_provisioned 0) or answering from trade-in mode.
func inSetup(rep *protocol.Report) bool {
	return rep.Setup != nil && (rep.Setup.TradeIn || rep.Setup.Provisioned == protocol.TriOff)
}

// afterResetSignal says what the phone showed, for the evidence's source.
func afterResetSignal(rep *protocol.Report) string {
	switch s := rep.Setup; {
	case s != nil && s.TradeIn:
		return "trade-in mode"
	case s != nil && s.Provisioned == protocol.TriOff:
		return "setup screen, new boot"
	}
	return "new boot"
}

// preResetBoot is the boot the reset began in, as the evidence recorded it.
func preResetBoot(evs []Evidence) string {
	for _, e := range evs {
		if e.Boot != "" {
			return e.Boot
		}
	}
	return ""
}

func has(evs []Evidence, k EvidenceKind) bool {
	_, ok := last(evs, k)
	return ok
}

// Strength ranks what a release's evidence proves, strongest first, for
// the words of a certificate: seen clean after the reset, then the wipe
// seen starting, then an operator's word.
func Strength(evs []Evidence) EvidenceKind {
	for _, k := range []EvidenceKind{EvidenceSeenCleanAfterReset, EvidenceWipeStarted, EvidenceOperatorConfirmed} {
		if has(evs, k) {
			return k
		}
	}
	return ""
}
