package agent

import (
	"fmt"
	"time"

	"github.com/unbind/unbind/protocol"
)

// This file holds the command rules as plain functions of their inputs, so
// they can be tested without a phone or a broker. executor.go applies them.

// admission is what the agent does with a newly delivered command.
type admission int

const (
	admitRun admission = iota
	admitDuplicate
	admitReject
)

// admit decides whether cmd may run now. A duplicate delivery (QoS 1 may
// deliver twice) is dropped without a word; everything else refused says why.
func admit(cmd protocol.Command, deviceID string, now time.Time, seen func(string) bool, busyWith string) (admission, string) {
	switch {
	case seen(cmd.ID):
		return admitDuplicate, ""
	case cmd.DeviceID != deviceID:
		return admitReject, fmt.Sprintf("addressed to %s, this is %s", cmd.DeviceID, deviceID)
	case !now.Before(cmd.ExpiresAt):
		return admitReject, expiredReason(cmd, now)
	case busyWith != "" && cmd.Kind.Occupies():
		return admitReject, protocol.RejectedBusyPrefix + busyWith
	}
	return admitRun, ""
}

// expiredReason says when cmd expired and what this phone's clock read, and
// how long after the command was issued that is: commands are delivered
// within seconds, so a large figure means the phone's clock runs ahead of
// the controller's, and the operator can see by how much.
func expiredReason(cmd protocol.Command, now time.Time) string {
	return fmt.Sprintf("expired at %s; this phone's clock reads %s, %s after the command was issued",
		cmd.ExpiresAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), now.Sub(cmd.IssuedAt).Round(time.Second))
}

// goalKinds are the risks a guided command exists to remove: the
// catalogue's locks that the person at the phone clears there.
var goalKinds = map[protocol.CommandKind][]protocol.RiskKind{
	protocol.CommandSignOut:           protocol.KindsWithRemedy(protocol.RemedySignOut),
	protocol.CommandDisableFindDevice: protocol.KindsWithRemedy(protocol.RemedySwitchOff),
}

// progress tells whether a guided command reached its goal on report r, and
// if not, which risks remain. Any unknown risk means the goal is not verified.
func progress(kind protocol.CommandKind, r protocol.Report) (done bool, remaining []protocol.Risk) {
	for _, risk := range r.Risks {
		if risk.Kind == protocol.RiskUnknown {
			remaining = append(remaining, risk)
			continue
		}
		for _, k := range goalKinds[kind] {
			if risk.Kind == k {
				remaining = append(remaining, risk)
			}
		}
	}
	return len(remaining) == 0, remaining
}

// guideFor picks the screen that removes the first remaining risk: the Mi
// account first (signing out of it also switches Find Device off), then
// Find Device, then the accounts screen for every other lock the person at
// the phone clears there (other accounts, vivo's Find my phone, which sits
// under the vivo account). Locks only someone elsewhere can clear, and
// unknowns, have no screen.
func guideFor(remaining []protocol.Risk) (GuideStep, bool) {
	has := map[protocol.RiskKind]bool{}
	onScreen := false
	for _, r := range remaining {
		has[r.Kind] = true
		switch protocol.LockOf(r.Kind).Remedy {
		case protocol.RemedySignOut, protocol.RemedySwitchOff:
			onScreen = true
		}
	}
	switch {
	case has[protocol.RiskMiAccount]:
		return GuideMiAccount, true
	case has[protocol.RiskFindDevice]:
		return GuideFindDevice, true
	case onScreen:
		return GuideAccounts, true
	}
	return "", false
}

// resetVerdict is the interlock: a reset may start only on a report that is
// fresh and safe. It returns the reason to refuse, or "".
func resetVerdict(r protocol.Report, now time.Time, maxAge time.Duration) string {
	if !r.SafeToReset || len(r.Risks) > 0 {
		return "not safe to reset: " + RiskSummary(r)
	}
	if age := now.Sub(r.CheckedAt); age > maxAge || age < -maxAge {
		return fmt.Sprintf("the check is %s old", age.Round(time.Second))
	}
	return ""
}
