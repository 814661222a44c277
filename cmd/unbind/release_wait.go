package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

// Stages are the controller's to name: --wait knows none of them. A release
// is over when the API says so (Finished), whatever its stage is called.

// stageEvent is one line of `release --wait -o json`: a phone's release
// seen in a stage (or an outcome) for the first time.
type stageEvent struct {
	Event    string    `json:"event"` // "stage"
	Device   string    `json:"device"`
	Release  string    `json:"release"`
	Stage    string    `json:"stage"`
	Finished bool      `json:"finished"`
	Outcome  string    `json:"outcome,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Command  string    `json:"command,omitempty"`
	Time     time.Time `json:"time"`
}

// waitSummary is the last line of `release --wait -o json`.
type waitSummary struct {
	Event string `json:"event"` // "summary"
	Total int    `json:"total"`
	// Outcomes counts the releases by outcome.
	Outcomes map[string]int `json:"outcomes"`
	// AllReleased is true when every phone was released: the exit status 0.
	AllReleased bool          `json:"all_released"`
	Releases    []api.Release `json:"releases"`
}

// waitReleases polls until every release has ended, reporting each phone's
// stage as it changes (watcher).
func waitReleases(ctx context.Context, io streams, client *api.Client, rs []api.Release, opts *releaseOptions) ([]api.Release, error) {
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	w := newWatcher(io, opts.Output == "json", cli.IsTerminal(io.Err))
	t := time.NewTicker(opts.Poll)
	defer t.Stop()
	for {
		got, err := client.Releases(ctx, ids)
		if err != nil {
			w.stop()
			return rs, err
		}
		rs = got
		if err := w.observe(rs); err != nil {
			return rs, err
		}
		if allFinished(rs) {
			w.stop()
			return rs, nil
		}
		select {
		case <-ctx.Done():
			w.stop()
			fmt.Fprintln(io.Err, "stopped waiting; the releases go on in the controller")
			return rs, ctx.Err()
		case <-t.C:
		}
	}
}

// allFinished reports whether waiting is over: every release ended or
// waits on hold, which can take days ("unbind holds" follows those).
func allFinished(rs []api.Release) bool {
	for _, r := range rs {
		if !r.Finished() && r.Stage != api.StageOnHold {
			return false
		}
	}
	return true
}


// watcher reports what changed between polls: in JSON, one stageEvent line
// per change on Out; as text, one line per change on Err and, when Err is a
// terminal, a line of counts per stage redrawn in place below them.
type watcher struct {
	io     streams
	json   bool
	redraw bool
	// seen is each release's last reported stage and outcome.
	seen map[string]string
	// drawn is whether a counts line is on the terminal, to be overwritten.
	drawn bool
}

func newWatcher(io streams, jsonLines, redraw bool) *watcher {
	return &watcher{io: io, json: jsonLines, redraw: redraw && !jsonLines, seen: map[string]string{}}
}

// observe reports the releases whose stage or outcome changed since the
// last call (all of them the first time).
func (w *watcher) observe(rs []api.Release) error {
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
		enc := json.NewEncoder(w.io.Out)
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
		fmt.Fprint(w.io.Err, "\r\x1b[K")
	}
	for _, r := range changed {
		cli.Printf(w.io.Err, "%s\n", changeLine(r))
	}
	if w.redraw {
		cli.Printf(w.io.Err, "%s", countsLine(rs))
		w.drawn = true
	}
	return nil
}

// stop ends the counts line so that what follows starts on a line of its own.
func (w *watcher) stop() {
	if w.drawn {
		fmt.Fprintln(w.io.Err)
		w.drawn = false
	}
}

func eventOf(r api.Release) stageEvent {
	at := r.UpdatedAt
	if r.Finished() {
		at = r.FinishedAt
	}
	return stageEvent{
		Event: "stage", Device: r.DeviceID, Release: r.ID, Stage: r.Stage, Finished: r.Finished(),
		Outcome: r.Outcome, Reason: r.Reason, Command: r.CommandID, Time: at.UTC(),
	}
}

// changeLine is a phone's new stage as text: time, device, stage, and the
// outcome and reason once it is over.
func changeLine(r api.Release) string {
	e := eventOf(r)
	line := fmt.Sprintf("%s  %s  %s", e.Time.Local().Format("15:04:05"), e.Device, e.Stage)
	if e.Finished {
		line += "  " + dash(e.Outcome)
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
			name = dash(r.Outcome)
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

// writeWaitSummary writes the summary line that ends `release --wait -o json`.
func writeWaitSummary(w io.Writer, rs []api.Release) error {
	s := waitSummary{Event: "summary", Total: len(rs), Outcomes: map[string]int{}, AllReleased: true, Releases: rs}
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

func printReleases(io streams, rs []api.Release) error {
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tRELEASE\tSTAGE\tOUTCOME\tREASON")
	for _, r := range rs {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\n", r.DeviceID, r.ID, r.Stage, dash(r.Outcome), dash(r.Reason))
	}
	return tw.Flush()
}

// warnKept says which phones already had a release running, kept with its
// own deadline rather than the request's --timeout.
func warnKept(io streams, rs []api.Release) {
	for _, r := range rs {
		if r.Kept {
			cli.Printf(io.Err, "%s already has a release running (stage %s, until %s); it is kept. Pass --restart to replace it with this --timeout.\n",
				r.DeviceID, r.Stage, r.Deadline.UTC().Format(time.RFC3339))
		}
	}
}
