// Package releasewatch renders the progress of releases as `unbind release
// --wait` shows it: a line per change of a phone's stage or outcome (JSON
// Lines with -o json), a line of counts per stage redrawn in place on a
// terminal, and the summary that ends the JSON output. Stages are the
// controller's to name: nothing here knows any of them. A release is over
// when the API says so (Finished), whatever its stage is called.
package releasewatch

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

// StageEvent is one line of `release --wait -o json`: a phone's release
// seen in a stage (or an outcome) for the first time.
type StageEvent struct {
	Event    string `json:"event"` // "stage"
	Device   string `json:"device"`
	Release  string `json:"release"`
	Stage    string `json:"stage"`
	Finished bool   `json:"finished"`
	// Instruction is what the operator or the person at the phone must do
	// now, in the controller's words.
	Instruction string    `json:"instruction,omitempty"`
	Outcome     string    `json:"outcome,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	Command     string    `json:"command,omitempty"`
	Time        time.Time `json:"time"`
}

// Summary is the last line of `release --wait -o json`.
type Summary struct {
	Event string `json:"event"` // "summary"
	Total int    `json:"total"`
	// Outcomes counts the releases by outcome.
	Outcomes map[string]int `json:"outcomes"`
	// AllReleased is true when every phone was released: the exit status 0.
	AllReleased bool          `json:"all_released"`
	Releases    []api.Release `json:"releases"`
}

// AllFinished reports whether waiting is over: every release ended or
// waits on hold.
func AllFinished(rs []api.Release) bool {
	for _, r := range rs {
		// A release on hold waits, maybe for days: "unbind holds" follows it.
		if !r.Finished() && r.Stage != api.StageOnHold {
			return false
		}
	}
	return true
}

// Watcher reports what changed between polls: in JSON, one stageEvent line
// per change on Out; as text, one line per change on Err and, when Err is a
// terminal, a line of counts per stage redrawn in place below them.
type Watcher struct {
	out, err io.Writer
	json     bool
	redraw   bool
	// seen is each release's last reported stage and outcome.
	seen map[string]string
	// drawn is whether a counts line is on the terminal, to be overwritten.
	drawn bool
}

// New returns a Watcher writing JSON Lines (jsonLines) or text lines and,
// with redraw, the counts line.
func New(out, err io.Writer, jsonLines, redraw bool) *Watcher {
	return &Watcher{out: out, err: err, json: jsonLines, redraw: redraw && !jsonLines, seen: map[string]string{}}
}

// Observe reports the releases whose stage or outcome changed since the
// last call (all of them the first time).
func (w *Watcher) Observe(rs []api.Release) error {
	var changed []api.Release
	for _, r := range rs {
		key := r.Stage + "\x00" + r.Outcome
		if w.seen[r.ID] != key {
			w.seen[r.ID] = key
			changed = append(changed, r)
		}
	}
	sort.SliceStable(changed, func(i, j int) bool { return changed[i].UpdatedAt.Before(changed[j].UpdatedAt) })
	if w.json {
		enc := json.NewEncoder(w.out)
		for _, r := range changed {
			if err := enc.Encode(eventOf(r)); err != nil {
				return fmt.Errorf("write release progress: %w", err)
			}
		}
		return nil
	}
	if len(changed) == 0 {
		return nil
	}
	if w.drawn {
		fmt.Fprint(w.err, "\r\x1b[K")
	}
	for _, r := range changed {
		cli.Printf(w.err, "%s\n", changeLine(r))
		// Below it, indented: what someone must do now.
		if r.Instruction != "" {
			cli.Printf(w.err, "          %s\n", r.Instruction)
		}
	}
	if w.redraw {
		cli.Printf(w.err, "%s", countsLine(rs))
		w.drawn = true
	}
	return nil
}

// Stop ends the counts line so that what follows starts on a line of its own.
func (w *Watcher) Stop() {
	if w.drawn {
		fmt.Fprintln(w.err)
		w.drawn = false
	}
}

func eventOf(r api.Release) StageEvent {
	at := r.UpdatedAt
	if r.Finished() {
		at = r.FinishedAt
	}
	return StageEvent{
		Event: "stage", Device: r.DeviceID, Release: r.ID, Stage: r.Stage, Finished: r.Finished(),
		Instruction: r.Instruction, Outcome: r.Outcome, Reason: r.Reason, Command: r.CommandID, Time: at.UTC(),
	}
}

// changeLine is a phone's new stage as text: time, device, release,
// stage, and the outcome and reason once it is over.
func changeLine(r api.Release) string {
	e := eventOf(r)
	line := fmt.Sprintf("%s  %s  release %s  %s", e.Time.Local().Format("15:04:05"), e.Device, e.Release, e.Stage)
	if e.Finished {
		line += "  " + orDash(e.Outcome)
	}
	if e.Reason != "" {
		line += "  " + e.Reason
	}
	return line
}

// countsLine is how many phones are done, and how many stand in each stage
// (the finished ones by outcome), in a stable order.
func countsLine(rs []api.Release) string {
	done := 0
	counts := map[string]int{}
	for _, r := range rs {
		name := r.Stage
		if r.Finished() {
			done++
			name = orDash(r.Outcome)
		}
		counts[name]++
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d done", done, len(rs))
	for _, n := range names {
		fmt.Fprintf(&b, "  %s %d", n, counts[n])
	}
	return b.String()
}

// WriteSummary writes the summary line that ends `release --wait -o json`.
func WriteSummary(w io.Writer, rs []api.Release) error {
	s := Summary{Event: "summary", Total: len(rs), Outcomes: map[string]int{}, AllReleased: true, Releases: rs}
	for _, r := range rs {
		s.Outcomes[r.Outcome]++
		if r.Outcome != api.OutcomeReleased {
			s.AllReleased = false
		}
	}
	if s.Releases == nil {
		s.Releases = []api.Release{}
	}
	if err := json.NewEncoder(w).Encode(s); err != nil {
		return fmt.Errorf("write release summary: %w", err)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
