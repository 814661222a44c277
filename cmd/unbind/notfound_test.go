package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// TestUnknownDeviceWording: every command naming a device the controller
// has never seen says so in the same words, device "X" not found, and
// starts nothing.
func TestUnknownDeviceWording(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()
	_, err := c.Registry().ApplyBatch(ctx, []registry.Update{controllertest.StateUpdate("known1", time.Now())})
	require.NoError(t, err)
	tests := []struct {
		name string
		args []string
	}{
		{"release", []string{"release", "ghost"}},
		{"release beside a known phone", []string{"release", "known1", "ghost"}},
		{"release --dry-run", []string{"release", "ghost", "--dry-run"}},
		{"release --wait", []string{"release", "ghost", "--wait", "-o", "json"}},
		{"device", []string{"device", "ghost"}},
		{"commands", []string{"commands", "ghost"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append(tc.args, "--api", c.APIURL()), &out, &errb)
			assert.Equal(t, exitError, code)
			assert.Contains(t, errb.String(), `device "ghost" not found`)
			assert.NotContains(t, errb.String(), "unknown device")
		})
	}
	rs, err := c.Registry().UnfinishedReleases(ctx)
	require.NoError(t, err)
	assert.Empty(t, rs, "a request naming an unknown phone starts no release")
}
