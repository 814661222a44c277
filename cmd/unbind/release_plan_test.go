package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// TestWideReleaseNeedsConfirmation: --all over more than a few phones is
// refused without --yes when no terminal can answer, --dry-run lists the
// phones and starts nothing, and --yes starts them.
func TestWideReleaseNeedsConfirmation(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()
	var updates []registry.Update
	for i := range 5 {
		updates = append(updates, controllertest.StateUpdate(fmt.Sprintf("phone-%d", i), time.Now()))
	}
	_, err := c.Registry().ApplyBatch(ctx, updates)
	require.NoError(t, err)
	started := func() int {
		rs, err := c.Registry().UnfinishedReleases(ctx)
		require.NoError(t, err)
		return len(rs)
	}

	var out, errb bytes.Buffer
	code := run([]string{"release", "--all", "--api", c.APIURL()}, &out, &errb)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "5 phones; pass --yes")
	assert.Zero(t, started(), "nothing started without confirmation")

	out.Reset()
	errb.Reset()
	code = run([]string{"release", "--all", "--dry-run", "--api", c.APIURL()}, &out, &errb)
	assert.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "would release (dry run; nothing started) 5 phone(s)")
	assert.Contains(t, out.String(), "phone-4")
	assert.Zero(t, started(), "a dry run starts nothing")

	out.Reset()
	errb.Reset()
	code = run([]string{"release", "R1", "--dry-run", "--api", c.APIURL()}, &out, &errb)
	assert.Equal(t, exitError, code, "an unknown phone in a dry run")
	assert.Zero(t, started())

	code = run([]string{"release", "--all", "--yes", "--api", c.APIURL()}, &out, &errb)
	assert.Equal(t, exitOK, code, errb.String())
	assert.Equal(t, 5, started())
}
