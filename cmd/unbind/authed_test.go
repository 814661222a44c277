package main

import (
	"testing"

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
