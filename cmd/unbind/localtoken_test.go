package main

import (
	"bytes"
	"context"
	"errors"
	"github.com/unbind/unbind/controller/httpapi"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/cli"
)

// TestLocalAdminToken: the first start stores an admin token owner-only in
// the config dir, the CLI finds it under any loopback name, a second start
// keeps it, and it never reaches the log.
func TestLocalAdminToken(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	t.Setenv(cli.TokenEnv, "")
	var logs bytes.Buffer
	c := controllertest.Start(t, func(cfg *controller.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	path, err := ensureLocalToken(ctx, c.Controller, c.APIURL())
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cfgHome, "unbind", "tokens"), filepath.Dir(path))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	port := c.APIURL()[strings.LastIndex(c.APIURL(), ":")+1:]
	for _, base := range []string{c.APIURL(), "http://localhost:" + port, "http://[::1]:" + port} {
		tok, err := cli.LoadToken(base)
		require.NoError(t, err)
		op, err := c.Authenticate(ctx, tok)
		require.NoError(t, err, base)
		assert.Equal(t, controller.Operator{Name: localAdmin, Role: controller.RoleAdmin}, op)
		assert.NotContains(t, logs.String(), tok, "the token is never logged")
	}
	first, _ := cli.LoadToken(c.APIURL())
	again, err := ensureLocalToken(ctx, c.Controller, c.APIURL())
	require.NoError(t, err)
	assert.Equal(t, path, again)
	second, _ := cli.LoadToken(c.APIURL())
	assert.Equal(t, first, second, "a working token is kept")

	// The CLI works with no login step.
	io, out, _ := testStreams()
	require.NoError(t, devicesRun(ctx, io, &devicesOptions{API: c.APIURL(), Output: "json"}))
	assert.Contains(t, out.String(), "[")

	// UNBIND_TOKEN overrides the stored one.
	t.Setenv(cli.TokenEnv, "bogus")
	err = devicesRun(ctx, io, &devicesOptions{API: c.APIURL(), Output: "json"})
	assert.ErrorContains(t, err, "unknown or revoked")
}

// TestPlainHTTPBeyondLoopbackRefused: without TLS the API stays on
// loopback unless --insecure-http says otherwise.
func TestPlainHTTPBeyondLoopbackRefused(t *testing.T) {
	c := controllertest.Start(t)
	_, err := httpapi.Serve(c.Controller, httpapi.ServeConfig{Listen: "0.0.0.0:0"})
	require.Error(t, err)
	assert.True(t, errors.Is(err, httpapi.ErrInsecureHTTP), "%v", err)

	var logs bytes.Buffer
	srv, err := httpapi.Serve(c.Controller, httpapi.ServeConfig{Listen: "0.0.0.0:0", Insecure: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	defer srv.Close()
	assert.Contains(t, logs.String(), "without TLS")
}

// TestLocalAdminNamePerControllerOnSharedRegistry: on a registry several
// controllers share, each controller's local admin is an account of its
// own, with a valid name; alone on SQLite it stays local-admin.
func TestLocalAdminNamePerControllerOnSharedRegistry(t *testing.T) {
	assert.Equal(t, localAdmin, localAdminName(false, "8080"))
	a, b := localAdminName(true, "8080"), localAdminName(true, "8081")
	assert.NotEqual(t, a, b)
	for _, n := range []string{a, b} {
		assert.NoError(t, controller.ValidateAccountName("operator name", n), n)
	}
}
