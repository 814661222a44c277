package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/cli"
)

func TestPickAPIAndHint(t *testing.T) {
	const def = builtinAPI
	a, b := "http://127.0.0.1:18088", "https://127.0.0.1:8443"
	tests := []struct {
		name     string
		local    []string
		base     string
		wantPick string
		wantHint string
	}{
		{"no local controller", nil, def, def, " (is `unbind serve` running?)"},
		{"one: use it", []string{a}, def, a, " (is `unbind serve` running? a controller ran on this machine at " + a + ": --api " + a + ")"},
		{"one, and it is the one asked", []string{a}, "http://localhost:18088", a, " (is `unbind serve` running?)"},
		{"two: the default, both named", []string{b, a}, def, def,
			" (is `unbind serve` running? controllers ran on this machine at " + b + ", " + a + ": pass one with --api)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.wantPick, pickAPI(tc.local, def))
			assert.Equal(t, tc.wantHint, unreachableHint(tc.base, tc.local))
		})
	}
}

// TestCommandsFindTheLocalController: with a controller on a port of its
// own (as `unbind demo --http-listen 127.0.0.1:PORT` runs one), commands
// reach it without --api; with a second local controller they keep the
// built-in default and name both when the controller asked for does not
// answer; --api and $UNBIND_API still win.
func TestCommandsFindTheLocalController(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("UNBIND_API", "")
	t.Setenv(cli.TokenEnv, "")
	ctx := context.Background()
	c := controllertest.Start(t)
	_, err := ensureLocalToken(ctx, c.Controller, c.APIURL())
	require.NoError(t, err)
	dir, err := cli.ConfigDir()
	require.NoError(t, err)
	require.Equal(t, []string{c.APIURL()}, localAPIs(dir), "the controller's API is noted beside its token")

	out, err := runRoot(t, "devices", "-o", "json")
	require.NoError(t, err, "no --api: the only local controller: %s", out)
	assert.Contains(t, out, "[")

	// A port where nothing listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	out, err = runRoot(t, "devices", "--api", closed)
	require.Error(t, err, "--api wins: %s", out)
	assert.Contains(t, err.Error(), "--api "+c.APIURL(), "the error names the controller that ran here")
	t.Setenv("UNBIND_API", closed)
	_, err = runRoot(t, "devices")
	require.Error(t, err, "$UNBIND_API wins")
	t.Setenv("UNBIND_API", "")

	// A second local controller: no guessing between them.
	other := controllertest.Start(t)
	_, err = ensureLocalToken(ctx, other.Controller, other.APIURL())
	require.NoError(t, err)
	assert.Len(t, localAPIs(dir), 2)
	var got string
	cmd := newDevicesCmd(streams{}, func(_ context.Context, o *devicesOptions) error { got = o.API; return nil })
	cmd.SetArgs(nil)
	require.NoError(t, cmd.Execute())
	assert.Equal(t, builtinAPI, got)
	_, err = runRoot(t, "devices", "--api", closed)
	require.Error(t, err)
	assert.Contains(t, err.Error(), c.APIURL())
	assert.Contains(t, err.Error(), other.APIURL())

	// A token stored by hand (no API file beside it) names no controller.
	otherToken, err := cli.TokenPath(dir, other.APIURL())
	require.NoError(t, err)
	require.NoError(t, os.Remove(apiFileOf(otherToken)))
	assert.Equal(t, []string{c.APIURL()}, localAPIs(dir))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tokens", "junk.api"), []byte("http://127.0.0.1:1\n"), 0o600))
	assert.Equal(t, []string{c.APIURL()}, localAPIs(dir), "an API file must sit beside its own token")
}
