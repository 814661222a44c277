package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/cli"
)

// startAuthed starts a controller and points the CLI at an admin token of
// it through $UNBIND_TOKEN (so the test cannot run in parallel), with a
// config directory of its own.
func startAuthed(t *testing.T) *controllertest.Controller {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	c := controllertest.Start(t)
	t.Setenv(cli.TokenEnv, controllertest.AdminToken(t, c))
	return c
}

// TestOperatorAddBadRole: an unknown role is called a role, with the valid
// ones listed, not an invalid name; nothing is created.
func TestOperatorAddBadRole(t *testing.T) {
	c := startAuthed(t)
	var out, errb bytes.Buffer
	code := run([]string{"operator", "add", "bob", "--role", "god", "--api", c.APIURL()}, &out, &errb)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errb.String(), `invalid role "god": the roles are viewer, operator and admin`)
	assert.NotContains(t, errb.String(), "invalid name")
	assert.Empty(t, out.String(), "no token printed")
	ops, err := c.Operators(context.Background())
	require.NoError(t, err)
	for _, o := range ops {
		assert.NotEqual(t, "bob", o.Name)
	}
}
