package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

func TestReleaseCancelUsage(t *testing.T) {
	for _, args := range [][]string{
		{"release", "cancel"},
		{"release", "cancel", "--all", "R58M"},
		{"release", "cancel", "R58M", "-o", "yaml"},
	} {
		var out, errb bytes.Buffer
		assert.Equal(t, exitUsage, run(args, &out, &errb), "%v: %s", args, errb.String())
	}
}

func TestReleaseCancelRuns(t *testing.T) {
	c := startAuthed(t)
	var out, errb bytes.Buffer
	code := run([]string{"release", "cancel", "--all", "--api", c.APIURL()}, &out, &errb)
	assert.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "no unfinished release to cancel")
}

// TestReleaseCancelIDs: an ID that names no phone and no release is an
// error (exit 1) that cancels nothing, even beside a good one; a release ID
// cancels its phone's release; a known phone with nothing running says so
// and exits 0; an ended release is an error.
func TestReleaseCancelIDs(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()
	now := time.Now()
	_, err := c.Registry().ApplyBatch(ctx, []registry.Update{
		controllertest.StateUpdate("p1", now), controllertest.StateUpdate("p2", now)})
	require.NoError(t, err)
	started, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"p1", "p2"}, Operator: "tester", Timeout: time.Hour})
	require.NoError(t, err)
	require.Len(t, started, 2)
	var byRelease string // p2's release ID
	for _, r := range started {
		if r.DeviceID == "p2" {
			byRelease = r.ID
		}
	}
	require.NotEmpty(t, byRelease)

	cancel := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append(append([]string{"release", "cancel"}, args...), "--api", c.APIURL()), &out, &errb)
		return code, out.String(), errb.String()
	}
	unfinished := func() int {
		rs, err := c.Registry().UnfinishedReleases(ctx)
		require.NoError(t, err)
		return len(rs)
	}

	code, _, errOut := cancel("ghost")
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut, `"ghost" is neither a phone's device ID nor a release ID: nothing was canceled`)
	code, _, errOut = cancel("p1", "ghost")
	assert.Equal(t, exitError, code, "a typo beside a good ID")
	assert.Contains(t, errOut, `"ghost"`)
	assert.Equal(t, 2, unfinished(), "nothing was canceled")

	code, out, errOut := cancel(byRelease)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "p2")
	assert.Contains(t, out, "canceled")
	assert.Equal(t, 1, unfinished(), "the release named by its ID was canceled")

	code, _, errOut = cancel(byRelease)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut, "release "+byRelease+" of p2 already ended (canceled)")

	code, out, errOut = cancel("p2")
	assert.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "p2: no unfinished release to cancel")
	assert.Equal(t, 1, unfinished())
}
