package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
)

// runUnbind runs the built unbind binary with token as its API token and
// returns its exit code, stdout and stderr.
func runUnbind(t *testing.T, bin, token string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), cli.TokenEnv + "=" + token, "TZ=Europe/Berlin"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errb.String()
	}
	require.NoError(t, err)
	return 0, out.String(), errb.String()
}

// TestReleasesCommand: `unbind releases`, the real binary, as a viewer:
// a table in local time, filters, pages that say how to go on, -o json;
// filter values the API refuses are usage errors (exit 2) naming what is
// allowed, before anything is asked.
func TestReleasesCommand(t *testing.T) {
	t.Parallel()
	bin := buildUnbind(t)
	ctx := context.Background()
	c := controllertest.Start(t)
	now := time.Now()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{
		controllertest.StateUpdate("SER-A", now), controllertest.StateUpdate("SER-B", now), controllertest.StateUpdate("SER-C", now),
	}))
	first, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"SER-A", "SER-B"}, Operator: "tester", Timeout: time.Hour})
	require.NoError(t, err)
	_, err = c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"SER-C"}, Operator: "tester", Timeout: time.Hour})
	require.NoError(t, err)
	_, err = c.CancelReleases(ctx, []string{"SER-C"}, "tester")
	require.NoError(t, err)
	viewer := controllertest.Token(t, c, controller.RoleViewer)
	apiFlag := []string{"--api", c.APIURL()}

	code, out, errOut := runUnbind(t, bin, viewer, append([]string{"releases"}, apiFlag...)...)
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4, out)
	assert.Regexp(t, `^STARTED\s+RELEASE\s+BATCH\s+DEVICE\s+STATE\s+STAGE\s+REASON`, lines[0])
	assert.Contains(t, lines[1], "SER-C", "newest first")
	assert.Contains(t, lines[1], "canceled")
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	assert.Contains(t, out, first[0].CreatedAt.In(berlin).Format("2006-01-02 15:04:05"), "times are local")
	assert.Contains(t, out, first[0].BatchID)
	assert.Empty(t, errOut, "one page: nothing more to say")

	code, out, errOut = runUnbind(t, bin, viewer, append([]string{"releases", "--state", "running", "--batch", first[0].BatchID, "-o", "json"}, apiFlag...)...)
	require.Equal(t, 0, code, errOut)
	var body api.ReleasesBody
	require.NoError(t, json.Unmarshal([]byte(out), &body), out)
	require.Len(t, body.Releases, 2)
	for _, r := range body.Releases {
		assert.Equal(t, api.ReleaseStateRunning, r.State)
		assert.Equal(t, first[0].BatchID, r.BatchID)
	}
	assert.Empty(t, body.NextCursor)

	// Pages of one: stderr gives the next page's command, which works.
	args := append([]string{"releases", "--limit", "1", "--since", "1h"}, apiFlag...)
	var seen []string
	for range 5 {
		code, out, errOut = runUnbind(t, bin, viewer, args...)
		require.Equal(t, 0, code, errOut)
		rows := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, rows, 2, out)
		seen = append(seen, strings.Fields(rows[1])[4])
		next, ok := strings.CutPrefix(strings.TrimSpace(errOut), "More releases: unbind releases ")
		if !ok {
			break
		}
		args = strings.Fields(next)
		args = append([]string{"releases"}, args...)
	}
	assert.ElementsMatch(t, []string{"SER-A", "SER-B", "SER-C"}, seen)

	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--state", "done"}, "want one of running, on_hold, released, failed, canceled"},
		{[]string{"--limit", "5000"}, "from 1 to 1000"},
		{[]string{"--since", "last tuesday"}, "--since \"last tuesday\""},
		{[]string{"-o", "yaml"}, "want table or json"},
	} {
		code, out, errOut := runUnbind(t, bin, viewer, append(append([]string{"releases"}, tc.args...), apiFlag...)...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, errOut)
		assert.Contains(t, errOut, tc.says)
		assert.Empty(t, out)
	}
	code, _, errOut = runUnbind(t, bin, viewer, append([]string{"releases", "--device", "NOPE"}, apiFlag...)...)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `device "NOPE" not found`)
}
