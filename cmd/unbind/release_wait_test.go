package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/unbind/unbind/internal/cli/releasewatch"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

// releaseScript is what a scripted controller answers to a release started
// and then polled: one snapshot of the releases per poll (the last one
// repeated), the first one also being the answer to the start.
type releaseScript struct {
	mu    sync.Mutex
	snaps [][]api.Release
	polls int
}

func (s *releaseScript) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	snap := s.snaps[0]
	if r.Method == http.MethodGet {
		snap = s.snaps[min(s.polls, len(s.snaps)-1)]
		s.polls++
	}
	s.mu.Unlock()
	if r.URL.Path != api.PathReleases {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(api.ReleasesBody{Releases: snap})
}

// scriptedReleases is three phones over five polls: a goes through
// sign_out and then reports a stage named "released" before the controller
// finishes it; b passes a stage --wait has never heard of; c fails. A
// release is over only when the API says so (FinishedAt), whatever its
// stage is called.
func scriptedReleases() [][]api.Release {
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	rel := func(dev, stage string, at int, outcome, reason string) api.Release {
		r := api.Release{
			ID: "rel-" + dev, DeviceID: dev, Operator: "ana", Stage: stage, Outcome: outcome, Reason: reason,
			CommandID: "cmd-" + dev + "-" + stage, CreatedAt: t0, UpdatedAt: t0.Add(time.Duration(at) * time.Second),
			Deadline: t0.Add(time.Hour),
		}
		if outcome != "" {
			r.FinishedAt = r.UpdatedAt
		}
		return r
	}
	return [][]api.Release{
		{rel("a", "verify", 0, "", ""), rel("b", "verify", 0, "", ""), rel("c", "verify", 0, "", "")},
		{rel("a", "sign_out", 1, "", ""), rel("b", "waiting_for_reset", 2, "", ""), rel("c", "verify", 0, "", "")},
		{rel("a", "sign_out", 1, "", ""), rel("b", "released", 3, "released", ""), rel("c", "failed", 4, "failed", "timed out in stage verify")},
		{rel("a", "released", 5, "", ""), rel("b", "released", 3, "released", ""), rel("c", "failed", 4, "failed", "timed out in stage verify")},
		{rel("a", "released", 6, "released", ""), rel("b", "released", 3, "released", ""), rel("c", "failed", 4, "failed", "timed out in stage verify")},
	}
}

// wantChanges are the (device, stage, finished) changes scriptedReleases
// makes, in order per device.
var wantChanges = map[string][]string{
	"a": {"verify false", "sign_out false", "released false", "released true"},
	"b": {"verify false", "waiting_for_reset false", "released true"},
	"c": {"verify false", "failed true"},
}

func runScripted(t *testing.T, output string) (out, errb string, err error) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	srv := httptest.NewServer(&releaseScript{snaps: scriptedReleases()})
	t.Cleanup(srv.Close)
	io, o, e := testStreams()
	err = releaseRun(context.Background(), io, &releaseOptions{
		API: srv.URL, Output: output, DeviceIDs: []string{"a", "b", "c"}, Wait: true, Poll: time.Millisecond,
	})
	return o.String(), e.String(), err
}

// TestReleaseWaitJSONLines: --wait -o json writes JSON Lines, each a whole
// object: one per phone per change of stage or outcome (an unknown stage
// included, a stage that only sounds final not taken as the end), the
// last line of each phone finished, and a summary line last.
func TestReleaseWaitJSONLines(t *testing.T) {
	out, errb, err := runScripted(t, "json")
	assert.Equal(t, cli.ExitError{Code: exitError}, err, "one phone failed")
	assert.Empty(t, errb, "JSON progress goes to stdout only")

	events, summary := parseWaitLines(t, out)
	got := map[string][]string{}
	for _, e := range events {
		got[e.Device] = append(got[e.Device], fmt.Sprintf("%s %t", e.Stage, e.Finished))
		assert.False(t, e.Time.IsZero(), "time on %+v", e)
		assert.NotEmpty(t, e.Command, "command on %+v", e)
	}
	assert.Equal(t, wantChanges, got)
	for _, e := range events {
		if e.Device == "c" && e.Finished {
			assert.Equal(t, "failed", e.Outcome)
			assert.Equal(t, "timed out in stage verify", e.Reason)
		}
	}

	assert.Equal(t, 3, summary.Total)
	assert.Equal(t, map[string]int{"released": 2, "failed": 1}, summary.Outcomes)
	assert.False(t, summary.AllReleased)
	require.Len(t, summary.Releases, 3)
	assert.Equal(t, "a", summary.Releases[0].DeviceID, "sorted by device")
}

// TestReleaseWaitTextNoTerminal: without a terminal, --wait prints one plain
// line per change (no carriage returns, no escape codes) and the table.
func TestReleaseWaitTextNoTerminal(t *testing.T) {
	out, errb, err := runScripted(t, "table")
	assert.Equal(t, cli.ExitError{Code: exitError}, err)
	for name, s := range map[string]string{"stdout": out, "stderr": errb} {
		assert.NotContains(t, s, "\r", name)
		assert.NotContains(t, s, "\x1b", name)
	}
	var changes []string
	for _, line := range strings.Split(strings.TrimSpace(errb), "\n") {
		// time, device, "release", release ID, stage...
		if f := strings.Fields(line); len(f) >= 5 && len(f[0]) == len("15:04:05") && strings.Count(f[0], ":") == 2 {
			assert.Equal(t, "release", f[2])
			assert.Equal(t, "rel-"+f[1], f[3], "each change names its release")
			changes = append(changes, f[1]+" "+f[4])
		}
	}
	n := 0
	for _, c := range wantChanges {
		n += len(c)
	}
	assert.Len(t, changes, n, "one line per change:\n%s", errb)
	assert.Contains(t, changes, "b waiting_for_reset")
	assert.Contains(t, errb, "c  release rel-c  failed  failed  timed out in stage verify")
	assert.Contains(t, out, "DEVICE")
	assert.Contains(t, out, "rel-a")
}

// TestWatcherRedraw: on a terminal the counts line is redrawn in place
// under the change lines, and ended with a newline when waiting stops.
func TestWatcherRedraw(t *testing.T) {
	snaps := scriptedReleases()
	for _, redraw := range []bool{true, false} {
		var out, errb bytes.Buffer
		w := releasewatch.New(&out, &errb, false, redraw)
		require.NoError(t, w.Observe(snaps[0]))
		require.NoError(t, w.Observe(snaps[0]), "no change, nothing drawn")
		require.NoError(t, w.Observe(snaps[2]))
		w.Stop()
		s := errb.String()
		assert.Empty(t, out.String())
		if !redraw {
			assert.NotContains(t, s, "\x1b")
			assert.NotContains(t, s, "done")
			continue
		}
		assert.Contains(t, s, "0/3 done  verify 3")
		assert.Contains(t, s, "\r\x1b[K", "the counts line is overwritten")
		assert.Equal(t, 1, strings.Count(s, "\r\x1b[K"), "once per poll that changed something")
		assert.Contains(t, s, "2/3 done  failed 1  released 1  sign_out 1\n")
		assert.True(t, strings.HasSuffix(s, "\n"))
	}
}

// parseWaitLines parses the output of --wait -o json: JSON Lines of stage
// events and one summary, which must come last.
func parseWaitLines(t *testing.T, out string) ([]releasewatch.StageEvent, releasewatch.Summary) {
	t.Helper()
	var events []releasewatch.StageEvent
	var summary *releasewatch.Summary
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		require.Nil(t, summary, "nothing after the summary")
		var head struct{ Event string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &head), "line %q", sc.Text())
		switch head.Event {
		case "stage":
			var e releasewatch.StageEvent
			require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
			events = append(events, e)
		case "summary":
			summary = &releasewatch.Summary{}
			require.NoError(t, json.Unmarshal(sc.Bytes(), summary))
		default:
			t.Fatalf("unknown event in %q", sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	require.NotNil(t, summary, "a summary line ends the output")
	return events, *summary
}
