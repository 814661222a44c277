package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/cli"
)

// TestEnrollThenRunConfig: enroll stores what run then loads, owner-only.
func TestEnrollThenRunConfig(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	tok, err := c.NewEnrollmentToken(ctx, time.Hour)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "state")

	out := &bytes.Buffer{}
	io := cli.Streams{Out: out, Err: &bytes.Buffer{}}
	require.NoError(t, enrollRun(ctx, io, &enrollOptions{Token: tok.Token, Controller: c.APIURL(), DeviceID: "phone-1", StateDir: dir}))
	assert.Contains(t, out.String(), "enrolled phone-1")
	matches, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	require.NotEmpty(t, matches)
	for _, m := range matches {
		info, err := os.Stat(m)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), m)
	}

	cfg := agent.Config{BrokerURL: "tcp://flag:1"}
	require.NoError(t, applyEnrollment(&cfg, &runOptions{StateDir: dir}, nil))
	assert.Equal(t, c.PublicKey(), cfg.ControllerKey)
	assert.Equal(t, "phone-1", cfg.DeviceID)
	assert.Equal(t, "phone-1", cfg.Username)
	assert.NotEmpty(t, cfg.Password)
	assert.Equal(t, c.BrokerURL(), cfg.BrokerURL, "the enrolled broker unless --broker is given")
	assert.Equal(t, dir, cfg.StateDir)

	err = enrollRun(ctx, io, &enrollOptions{Token: tok.Token, Controller: c.APIURL(), DeviceID: "phone-2", StateDir: t.TempDir()})
	assert.ErrorIs(t, err, agent.ErrEnrollRefused, "a token works once")
}
