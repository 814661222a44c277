package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/unbind/unbind"

// goListDeps lists every package pkg imports, directly or not, as built with env.
func goListDeps(t *testing.T, pkg string, env ...string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", pkg)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go list -deps %s: %s", pkg, out)
	return strings.Fields(string(out))
}

func ours(deps []string) []string {
	var r []string
	for _, d := range deps {
		if strings.HasPrefix(d, module+"/") {
			r = append(r, strings.TrimPrefix(d, module+"/"))
		}
	}
	return r
}

// TestLayering enforces the architecture: protocol stands alone, agent and
// controller never import each other, and only cmd/* wires them together.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"protocol", []string{"agent", "controller", "android", "cmd"}},
		{"agent", []string{"controller", "android", "cmd"}},
		{"android", []string{"controller", "cmd"}},
		{"controller", []string{"agent", "android", "cmd"}},
	}
	for _, tc := range tests {
		t.Run(tc.pkg, func(t *testing.T) {
			for _, dep := range ours(goListDeps(t, module+"/"+tc.pkg)) {
				for _, f := range tc.forbidden {
					assert.False(t, dep == f || strings.HasPrefix(dep, f+"/"), "%s imports %s", tc.pkg, dep)
				}
			}
		})
	}
}

// TestAgentIsCgoFree: the agent must cross-compile for phones without cgo, so
// it may not pull in SQLite, the broker or anything of the controller.
func TestAgentIsCgoFree(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	deps := goListDeps(t, module+"/cmd/unbind-agent", "CGO_ENABLED=0", "GOOS=android", "GOARCH=arm64")
	for _, d := range deps {
		assert.NotContains(t, d, "go-sqlite3")
		assert.NotContains(t, d, "mochi-mqtt")
		assert.False(t, strings.HasPrefix(d, module+"/controller"), "agent binary imports %s", d)
	}
}
