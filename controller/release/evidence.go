package release

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/unbind/unbind/protocol"
)

// EvidenceKind names something seen of a reset. Only EvidenceWipeStarted
// and EvidenceOperatorConfirmed make a release released; the others are
// recorded as what they are.
type EvidenceKind string

const (
	// EvidenceResetScreenOpened: the agent opened the reset screen.
	EvidenceResetScreenOpened = EvidenceKind(protocol.EvidenceResetScreenOpened)
	// EvidenceWipeStarted: the root broadcast was accepted, or the agent
	// saw the phone going down into recovery; Source says which.
	EvidenceWipeStarted = EvidenceKind(protocol.EvidenceWipeStarted)
	// EvidenceOperatorConfirmed: an operator stated that the phone shows
	// the first-boot setup screen.
	EvidenceOperatorConfirmed = EvidenceKind(protocol.EvidenceOperatorConfirmed)
	// EvidenceSessionEnded: the phone's MQTT session ended (offline) after
	// the screen opened. A wiping phone does that, and so does a phone
	// unplugged or out of Wi-Fi: never enough by itself.
	EvidenceSessionEnded EvidenceKind = "session_ended"
	// EvidenceRebooted: the phone reported again from another boot with
	// its agent still there: it restarted, and its data survived.
	EvidenceRebooted EvidenceKind = "rebooted"
	// EvidenceADBLost: the agent on the bench PC no longer saw the phone
	// in `adb devices`. A wiping phone drops off, and so does a phone whose
	// cable was pulled: never enough by itself.
	EvidenceADBLost = EvidenceKind(protocol.EvidenceADBLost)
)

// Evidence is one thing seen of a reset, when and by whom.
type Evidence struct {
	Kind EvidenceKind
	At   time.Time
	// Source says who or what saw it: "agent: root_broadcast",
	// "agent: sys.powerctl=reboot,recovery", "operator:alice".
	Source string
	// Boot is the phone's boot ID when the reset began (the agent's
	// interlock check, or the controller's reports for older agents); ""
	// when unknown.
	Boot string
}

func (e Evidence) equal(o Evidence) bool {
	return e.Kind == o.Kind && e.At.Equal(o.At) && e.Source == o.Source && e.Boot == o.Boot
}

// Proves reports whether the evidence shows that the phone was reset.
func (k EvidenceKind) Proves() bool {
	return k == EvidenceWipeStarted || k == EvidenceOperatorConfirmed
}

// ErrNotWaiting: a confirmation for a release that does not wait for one.
var ErrNotWaiting = errors.New("the release is not waiting for a reset")

// ErrContradicted: the phone itself contradicts an operator's confirmation
// of its reset: it is still up, reporting from the boot it had before.
var ErrContradicted = errors.New("the phone contradicts the confirmation")

// Confirm records an operator's statement that the phone shows the
// first-boot setup screen: a release waiting for its reset is released on
// it. Any other release is left as it is, with ErrNotWaiting. A
// confirmation the phone contradicts is refused with ErrContradicted (see
// Contradicts); the operator may confirm again once it went down.
func Confirm(r Release, o Observed, operator string) (Release, error) {
	if r.Stage != StageWaitingForReset {
		return r, fmt.Errorf("%w (stage %s)", ErrNotWaiting, r.Stage)
	}
	if why := Contradicts(r, o); why != "" {
		return r, fmt.Errorf("%w: %s", ErrContradicted, why)
	}
	ev := Evidence{Kind: EvidenceOperatorConfirmed, At: o.Now, Source: "operator:" + operator}
	return released(r, ev, "confirmed by operator "+operator), nil
}

// Contradicts says why what the controller sees of the phone now
// contradicts a reset, or "": its MQTT session is up and it reported, after
// the reset screen opened (or the release began waiting), from the boot it
// had then. A wipe takes a phone down within seconds and its agent with
// it; a phone still reporting from the same boot was never wiped. When
// either boot is unknown (agents before boot IDs), a report since that read
// the phone (not only unknowns) counts. A report that could read nothing
// (a bench agent whose phone left adb) contradicts nothing.
func Contradicts(r Release, o Observed) string {
	since, boot := r.StageSince, ""
	if opened, ok := last(r.Evidence, EvidenceResetScreenOpened); ok {
		since, boot = opened.At, opened.Boot
	}
	if !o.Online || o.Report == nil || !o.ReportAt.After(since) {
		return ""
	}
	sameBoot := boot != "" && o.Report.BootID == boot
	unknownBoot := boot == "" || o.Report.BootID == ""
	if !sameBoot && !(unknownBoot && o.Report.Verdict() != protocol.VerdictUnknown) {
		return ""
	}
	return fmt.Sprintf("the phone is still up: its session is online and it reported at %s from the boot it had when the reset screen opened; "+
		"confirm once it has gone down (offline, or back from another boot), or cancel the release",
		o.ReportAt.UTC().Format(time.RFC3339))
}

func released(r Release, ev Evidence, reason string) Release {
	r.Stage, r.Reason = StageReleased, reason
	r.Evidence = append(slices.Clip(r.Evidence), ev)
	return r
}

// resetEvidence reads what the reset command's steps say was seen, oldest
// first, skipping what r already holds.
func resetEvidence(o Observed) []Evidence {
	if o.Command == nil || o.Command.Kind != protocol.CommandFactoryReset {
		return nil
	}
	steps := o.Command.Steps
	if len(steps) == 0 {
		steps = []Step{{At: o.Command.At, State: o.Command.State, Detail: o.Command.Detail}}
	}
	var out []Evidence
	for _, st := range steps {
		kind, source, ok := protocol.ParseResetDetail(st.Detail)
		if !ok || slices.ContainsFunc(out, func(e Evidence) bool { return e.Kind == EvidenceKind(kind) }) {
			continue
		}
		at := st.At
		if at.IsZero() {
			at = o.Now
		}
		out = append(out, Evidence{Kind: EvidenceKind(kind), At: at, Source: "agent: " + source, Boot: st.Boot})
	}
	return out
}

// waiting is the stage after the reset screen opened: released on evidence
// that the wipe started, failed when the phone comes back from the same
// boot; anything else is recorded and waited out up to the deadline.
func waiting(r Release, o Observed) (Release, []Effect) {
	for _, ev := range resetEvidence(o) {
		switch ev.Kind {
		case EvidenceWipeStarted:
			return released(r, ev, ev.Source), nil
		case EvidenceADBLost:
			// Recorded once, as what it is: the bench lost the phone.
			if _, ok := last(r.Evidence, EvidenceADBLost); !ok {
				r.Evidence = append(slices.Clip(r.Evidence), ev)
			}
		}
	}
	opened, ok := last(r.Evidence, EvidenceResetScreenOpened)
	if !ok {
		return r, nil
	}
	since := opened.At
	if o.PresenceAt.IsZero() || !o.PresenceAt.After(since) {
		return r, nil
	}
	// The session went down, or went down and came back, since the screen
	// opened.
	if !o.Online {
		if e, ok := last(r.Evidence, EvidenceSessionEnded); !ok || !e.At.Equal(o.PresenceAt) {
			r.Evidence = append(slices.Clip(r.Evidence), Evidence{Kind: EvidenceSessionEnded, At: o.PresenceAt,
				Source: "controller: the phone's MQTT session ended (offline)"})
		}
		return r, nil
	}
	if o.Report == nil || !o.ReportAt.After(o.PresenceAt) {
		return r, nil // back, but not yet reported
	}
	// Back from another boot and in its setup screen, clean: the phone
	// itself shows the reset, whether or not the agent's word of the wipe
	// arrived (a controller that died with it in flight lost it). Only the
	// setup screen tells a wipe from a restart: a phone that was safe had
	// no account before either.
	ev, why := seenAfterReset(opened.Boot, o.Report, o.ReportAt)
	newBoot := opened.Boot != "" && o.Report.BootID != "" && o.Report.BootID != opened.Boot
	switch {
	case ev.Kind == EvidenceSeenLockedAfterReset:
		r.Evidence = append(slices.Clip(r.Evidence), ev)
		return fail(r, why)
	case ev.Kind == EvidenceSeenCleanAfterReset && newBoot && inSetup(o.Report):
		return released(r, ev, "seen clean after its reset ("+strings.TrimPrefix(ev.Source, "agent: ")+")"), nil
	}
	if o.Report.BootID == "" || opened.Boot == "" {
		return r, nil // a boot nobody can compare
	}
	if o.Report.BootID == opened.Boot {
		return fail(r, fmt.Sprintf("never reset: the phone came back online at %s from the same boot, unchanged",
			o.PresenceAt.UTC().Format(time.RFC3339)))
	}
	if _, ok := last(r.Evidence, EvidenceRebooted); !ok {
		r.Evidence = append(slices.Clip(r.Evidence), Evidence{Kind: EvidenceRebooted, At: o.ReportAt,
			Source: "controller: the phone reported from another boot with its agent still there", Boot: o.Report.BootID})
	}
	return r, nil
}

func last(evs []Evidence, k EvidenceKind) (Evidence, bool) {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == k {
			return evs[i], true
		}
	}
	return Evidence{}, false
}

// seen lists the kinds of evidence, for a failure reason.
func seen(evs []Evidence) string {
	if len(evs) == 0 {
		return "nothing"
	}
	ks := make([]string, len(evs))
	for i, e := range evs {
		ks[i] = string(e.Kind)
	}
	return strings.Join(ks, ", ")
}
