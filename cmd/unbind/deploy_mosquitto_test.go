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

// TestDeployMosquittoConfig: the sample config of docs/deploy/mosquitto.md
// is accepted and names the files the Mosquitto drop-in reads.
func TestDeployMosquittoConfig(t *testing.T) {
	o, err := serveWith(t, "", "--config", "../../deploy/mosquitto/unbind.toml")
	require.NoError(t, err)
	assert.Equal(t, "tcp://127.0.0.1:1883", o.BrokerURL)
	mq, err := os.ReadFile("../../deploy/mosquitto/mosquitto-unbind.conf")
	require.NoError(t, err)
	for _, want := range []string{"password_file " + o.MosquittoPasswordFile, "acl_file " + o.MosquittoACLFile,
		"use_username_as_clientid true", "allow_anonymous false"} {
		assert.Contains(t, string(mq), want+"\n")
	}
	path, err := os.ReadFile("../../deploy/mosquitto/unbind-mosquitto-reload.path")
	require.NoError(t, err)
	assert.Contains(t, string(path), "PathChanged="+o.MosquittoPasswordFile+"\n")
}

// TestDeployMosquittoReloadUnitsVerify runs systemd-analyze verify on the
// path unit that reloads Mosquitto and the service it starts.
func TestDeployMosquittoReloadUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd); the units are not verified")
	}
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"unbind-mosquitto-reload.path", "unbind-mosquitto-reload.service"} {
		b, err := os.ReadFile(filepath.Join("../../deploy/mosquitto", name))
		require.NoError(t, err)
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		paths = append(paths, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, analyze, append([]string{"verify", "--man=no"}, paths...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	var ours []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "unbind-mosquitto-reload") {
			ours = append(ours, line)
		}
	}
	assert.Empty(t, ours, "systemd-analyze verify:\n%s", out.String())
}
