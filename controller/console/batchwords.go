package console

import (
	"strings"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// reasonWords says a release's reason in plain language. Reasons are
// written for the audit trail ("agent: sys.shutdown.requested=1recovery",
// "confirmed by operator alice"); pages show these words and keep the raw
// text on hover. A reason it does not know is shown as it is.
func reasonWords(reason string) string {
	if src, ok := strings.CutPrefix(reason, "agent: "); ok {
		switch {
		case strings.HasPrefix(src, "sys.shutdown.requested=") || strings.HasPrefix(src, "sys.powerctl="):
			return "Resetting — the phone restarted into recovery"
		case strings.HasPrefix(src, "adb: "):
			return "Resetting — the bench PC saw the phone restart into " + strings.TrimPrefix(src, "adb: ")
		case src == "root_broadcast":
			return "Resetting — the agent started the wipe itself"
		case src == "settings_screen":
			return "The reset screen was opened on the phone"
		}
		return "The phone reported: " + src
	}
	if name, ok := strings.CutPrefix(reason, "confirmed by operator "); ok {
		return "Reset confirmed by " + name + ", who saw the phone's setup screen"
	}
	return reason
}

// batchPart is what the releases of a batch are doing, for its summary.
type batchPart string

const (
	partReleased batchPart = "released"
	partRunning  batchPart = "running"
	partPerson   batchPart = "waiting for the person"
	partHold     batchPart = "on hold"
	partFailed   batchPart = "failed"
	partCanceled batchPart = "canceled"
)

// batchParts is the summary's order: what needs someone first.
var batchParts = []batchPart{partPerson, partHold, partFailed, partRunning, partReleased, partCanceled}

// partOf says which part of the summary a release counts in.
func partOf(r registry.ReleaseRecord) batchPart {
	if r.Finished() {
		switch r.Outcome {
		case registry.OutcomeReleased:
			return partReleased
		case string(release.StageCanceled):
			return partCanceled
		}
		return partFailed
	}
	switch release.Stage(r.Stage) {
	case release.StageSignOut, release.StageFindDevice, release.StageWaitingForReset:
		return partPerson
	case release.StageOnHold:
		return partHold
	}
	return partRunning
}

// summaryLine is one part of a batch's summary.
type summaryLine struct {
	Part batchPart
	N    int
}

// Class is the part as a CSS class name.
func (l summaryLine) Class() string { return strings.ReplaceAll(string(l.Part), " ", "-") }

// summarise counts the releases by part, every part shown.
func summarise(rs []registry.ReleaseRecord) []summaryLine {
	n := map[batchPart]int{}
	for _, r := range rs {
		n[partOf(r)]++
	}
	out := make([]summaryLine, 0, len(batchParts))
	for _, p := range batchParts {
		out = append(out, summaryLine{Part: p, N: n[p]})
	}
	return out
}
