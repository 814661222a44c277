package release

import (
	"errors"
	"time"

	"github.com/unbind/unbind/protocol"
)

// StageOnHold: the release cannot finish now (the person left, the
// previous owner must unlink the phone remotely, a company must release
// it); it waits, re-checks the phone whenever it reports and every
// HoldRecheck, and goes on as a normal release, interlock unchanged, the
// moment the phone shows clean. Not terminal: a held release is still the
// phone's running release (it can be canceled).
const StageOnHold Stage = "on_hold"

// Why a release waits on hold.
const (
	HoldWaitingForPerson   = "waiting_for_person"
	HoldRemoteUnlink       = "remote_unlink_by_owner"
	HoldAccountDeletion    = "account_deletion_wait"
	HoldOrganisation       = "organisation_release"
	HoldCouldNotTell       = "could_not_tell"
	holdOperatorPrefix     = "operator: "
	HoldRecheck            = time.Hour
	holdResumeWindow       = 15 * time.Minute
	maxHoldOperatorReasonB = 200
)

// HoldReasons lists the reasons a hold is put on by itself, for metrics
// and filters; an operator's hold reads "operator: NOTE".
var HoldReasons = []string{HoldWaitingForPerson, HoldRemoteUnlink, HoldAccountDeletion, HoldOrganisation, HoldCouldNotTell}

// ErrNotHoldable: the release has ended, or its reset was already sent.
var ErrNotHoldable = errors.New("the release cannot be put on hold now")

// holdReason says why a phone whose release cannot finish now waits, from
// its last report: a lock only someone elsewhere can clear names who, a
// lock the person at the phone clears says they left, and a phone that
// could not be read waits for a check that answers.
func holdReason(rep *protocol.Report) string {
	if rep == nil {
		return HoldCouldNotTell
	}
	reason := HoldCouldNotTell
	for _, k := range rep.RiskKinds() {
		switch k {
		case protocol.RiskManagedDevice, protocol.RiskEnterpriseFRP, protocol.RiskResetRestricted, protocol.RiskKnoxGuard:
			return HoldOrganisation
		case protocol.RiskLostMode, protocol.RiskFRPActive:
			return HoldRemoteUnlink
		}
		if l := protocol.LockOf(k); l.Remedy == protocol.RemedySignOut || l.Remedy == protocol.RemedySwitchOff {
			reason = HoldWaitingForPerson
		}
	}
	return reason
}

// hold puts r on hold for reason at now; its deadline becomes the next
// re-check.
func hold(r Release, reason string, now time.Time) (Release, []Effect) {
	r = to(r, StageOnHold, now, true)
	r.HoldReason, r.Reason, r.HeldSince = reason, "on hold: "+reason, now
	r.Deadline = now.Add(HoldRecheck)
	return r, nil
}

// Hold puts a running release on hold at an operator's request, with
// their note as the reason. A release whose reset was sent cannot wait.
func Hold(r Release, at time.Time, note string) (Release, error) {
	switch r.Stage {
	case StageReset, StageWaitingForReset:
		return r, ErrNotHoldable
	}
	if r.Stage.Terminal() {
		return r, ErrNotHoldable
	}
	if len(note) > maxHoldOperatorReasonB {
		note = note[:maxHoldOperatorReasonB]
	}
	r, _ = hold(r, holdOperatorPrefix+note, at)
	return r, nil
}

// onHold re-checks a held phone: a fresh safe report sends it on as a
// normal release (verify, then the interlock); any other fresh report
// keeps it waiting, its reason brought up to date unless an operator gave
// it; at the re-check time it asks the phone for a report.
func onHold(r Release, o Observed) (Release, []Effect) {
	fresh := o.Report != nil && o.ReportAt.After(r.StageSince)
	switch {
	case fresh && ResetAllowed(o.Report, o.ReportAt, o.Now, o.MaxReportAge) == nil:
		r = to(r, StageVerify, o.Now, true)
		r.HoldReason, r.HeldSince = "", time.Time{}
		r.Deadline = o.Now.Add(holdResumeWindow)
		return r, []Effect{{Send: protocol.CommandRefresh}}
	case !o.Now.Before(r.Deadline):
		r.StageSince, r.CommandID = o.Now, ""
		r.Deadline = o.Now.Add(HoldRecheck)
		return r, []Effect{{Send: protocol.CommandRefresh}}
	case fresh && !isOperatorHold(r.HoldReason):
		if reason := holdReason(o.Report); reason != r.HoldReason {
			r.HoldReason, r.Reason = reason, "on hold: "+reason
		}
		r.StageSince = o.ReportAt
		return r, nil
	}
	return r, nil
}

func isOperatorHold(reason string) bool {
	return len(reason) >= len(holdOperatorPrefix) && reason[:len(holdOperatorPrefix)] == holdOperatorPrefix
}
