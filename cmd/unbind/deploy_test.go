package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const unitPath = "../../deploy/unbind.service"

// TestDeployUnitVerifies runs systemd-analyze verify on the service unit,
// with ExecStart pointed at an executable that exists here (the unit names
// the installed path, /usr/local/bin/unbind).
func TestDeployUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd); the unit is not verified")
	}
	unit, err := os.ReadFile(unitPath)
	require.NoError(t, err)
	require.Contains(t, string(unit), "ExecStart=/usr/local/bin/unbind serve --config /etc/unbind/unbind.toml")
	ours, out, err := verifyUnit(t, analyze, string(unit))
	assert.Empty(t, ours, "systemd-analyze verify:\n%s", out)
	if err != nil && len(ours) > 0 {
		t.Fatalf("systemd-analyze verify failed: %v", err)
	}
}

// verifyUnit runs systemd-analyze verify on unit as unbind.service, with
// ExecStart pointed at an executable that exists here (the unit names the
// installed path, /usr/local/bin/unbind). It returns the lines of its
// output about unbind.service (lines about the host's own units are not
// this unit's problem), the whole output and how the command ended.
func verifyUnit(t *testing.T, analyze, unit string) (ours []string, out string, err error) {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "unbind.service")
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/unbind", self)), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var b bytes.Buffer
	cmd := exec.CommandContext(ctx, analyze, "verify", "--man=no", path)
	cmd.Stdout, cmd.Stderr = &b, &b
	err = cmd.Run()
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.Contains(line, "unbind.service") {
			ours = append(ours, line)
		}
	}
	return ours, b.String(), err
}

// TestDeployUnitHardening keeps the options docs/operating.md promises.
func TestDeployUnitHardening(t *testing.T) {
	unit, err := os.ReadFile(unitPath)
	require.NoError(t, err)
	for _, want := range []string{"DynamicUser=yes", "StateDirectory=unbind", "NoNewPrivileges=yes", "ProtectSystem=strict",
		"ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
		"CapabilityBoundingSet=\n"} {
		assert.Contains(t, string(unit), want)
	}
}

// TestDeploySampleConfig: the sample config is accepted as it ships.
func TestDeploySampleConfig(t *testing.T) {
	o, err := serveWith(t, "", "--config", "../../deploy/unbind.toml")
	require.NoError(t, err)
	assert.Equal(t, "/var/lib/unbind/registry.db", o.DBPath)
	assert.Equal(t, "127.0.0.1:9465", o.MetricsListen)
}
