package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/cli"
)

// runRootWithInput is runRoot with stdin.
func runRootWithInput(t *testing.T, in string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs(args)
	root.SetIn(strings.NewReader(in))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.Execute()
	return out.String() + errOut.String(), err
}

// TestLoginPicksTheAPI: after `unbind login --api URL`, commands without
// --api talk to that controller (not the built-in 127.0.0.1:8080), even
// when a local controller runs too; --api and $UNBIND_API still win.
func TestLoginPicksTheAPI(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("UNBIND_API", "")
	t.Setenv(cli.TokenEnv, "")
	ctx := context.Background()
	remote := controllertest.Start(t)
	tok := controllertest.Token(t, remote, controller.RoleAdmin)
	me, err := remote.Authenticate(ctx, tok)
	require.NoError(t, err)

	out, err := runRootWithInput(t, tok+"\n", "login", "--api", remote.APIURL())
	require.NoError(t, err, out)
	assert.Contains(t, out, "later commands without --api talk to "+remote.APIURL())

	out, err = runRoot(t, "operator", "list", "-o", "json")
	require.NoError(t, err, "no --api after login: the login's controller: %s", out)
	assert.Contains(t, out, `"`+me.Name+`"`)

	// A local controller appears (unbind serve): the login still wins.
	local := controllertest.Start(t)
	_, err = ensureLocalToken(ctx, local.Controller, local.APIURL())
	require.NoError(t, err)
	out, err = runRoot(t, "operator", "list", "-o", "json")
	require.NoError(t, err, out)
	assert.Contains(t, out, `"`+me.Name+`"`)
	assert.NotContains(t, out, localAdmin)

	// An explicit --api, or $UNBIND_API, goes where it says.
	out, err = runRoot(t, "operator", "list", "-o", "json", "--api", local.APIURL())
	require.NoError(t, err, out)
	assert.Contains(t, out, localAdmin)
	t.Setenv("UNBIND_API", local.APIURL())
	out, err = runRoot(t, "operator", "list", "-o", "json")
	require.NoError(t, err, out)
	assert.Contains(t, out, localAdmin)
}

// TestLoginAPIFile: a missing or garbled note falls back; a good one reads back.
func TestLoginAPIFile(t *testing.T) {
	dir := t.TempDir()
	assert.Empty(t, cli.LoginAPI(dir))
	require.NoError(t, cli.SaveLoginAPI(dir, "https://10.0.0.5:8443"))
	assert.Equal(t, "https://10.0.0.5:8443", cli.LoginAPI(dir))
	assert.Error(t, cli.SaveLoginAPI(dir, "not a url"))
	assert.Equal(t, "https://10.0.0.5:8443", cli.LoginAPI(dir), "a refused URL leaves the note as it was")
}
