package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runToExit runs bin with args as its own process and returns its exit
// code and what it wrote; a process still running after a bound far past
// a start-up is killed and fails the test.
func runToExit(t *testing.T, bin string, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "%s %v did not exit: %s", bin, args, out.String())
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	require.NoError(t, err)
	return 0, out.String()
}

// TestSecondServeOnOneRegistry: a second `unbind serve` on the registry a
// running one holds (other ports) stops at once, non-zero, naming the file
// and the holder's process; the first keeps serving on an intact file.
func TestSecondServeOnOneRegistry(t *testing.T) {
	t.Parallel()
	bin := buildUnbind(t)
	db := filepath.Join(t.TempDir(), "registry.db")
	firstAPI := freePort(t)
	first := serveProcess(t, bin, db, freePort(t), firstAPI)
	before, err := os.Stat(db)
	require.NoError(t, err)

	code, out := runToExit(t, bin, []string{"XDG_CONFIG_HOME=" + filepath.Join(filepath.Dir(db), "config2")},
		"serve", "--db", db, "--mqtt-listen", freePort(t), "--http-listen", freePort(t), "--log-level", "warn")
	assert.NotZero(t, code, "the second writer exits non-zero: %s", out)
	assert.Contains(t, out, "in use by another process")
	assert.Contains(t, out, db)
	assert.Contains(t, out, "process "+strconv.Itoa(first.Process.Pid))

	resp, err := http.Get("http://" + firstAPI + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the first still serves")
	after, err := os.Stat(db)
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "the registry file is the same one")
}

var (
	buildSimOnce sync.Once
	unbindSimBin string
	buildSimErr  error
)

// buildUnbindSim builds cmd/unbind with the demo (-tags sim) once.
func buildUnbindSim(t *testing.T) string {
	t.Helper()
	buildSimOnce.Do(func() {
		dir, err := os.MkdirTemp("", "unbind-e2e-sim")
		if err != nil {
			buildSimErr = err
			return
		}
		unbindSimBin = filepath.Join(dir, "unbind-sim")
		out, err := exec.Command("go", "build", "-tags", "sim", "-o", unbindSimBin, "github.com/unbind/unbind/cmd/unbind").CombinedOutput()
		if err != nil {
			buildSimErr = fmt.Errorf("go build -tags sim: %w: %s", err, out)
		}
	})
	require.NoError(t, buildSimErr)
	return unbindSimBin
}

// TestDemoTwiceKeepsRegistry: `make demo` started while one runs (same
// registry, same ports) fails non-zero and leaves the running demo's
// registry alone: the same file, still served.
func TestDemoTwiceKeepsRegistry(t *testing.T) {
	t.Parallel()
	bin := buildUnbindSim(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	mqtt, apiAddr := freePort(t), freePort(t)
	env := []string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "HOME=" + dir}
	args := []string{"demo", "--db", db, "--mqtt-listen", mqtt, "--http-listen", apiAddr, "--phones", "2"}

	first := exec.Command(bin, args...)
	first.Env = append(os.Environ(), env...)
	first.Stdout, first.Stderr = os.Stderr, os.Stderr
	require.NoError(t, first.Start())
	t.Cleanup(func() {
		_ = first.Process.Kill()
		_ = first.Wait()
	})
	eventually(t, func() bool {
		resp, err := http.Get("http://" + apiAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, "the first demo serves")
	before, err := os.Stat(db)
	require.NoError(t, err)

	code, out := runToExit(t, bin, env, args...)
	assert.NotZero(t, code, "the second demo fails: %s", out)
	assert.Contains(t, out, "in use by another process")
	after, err := os.Stat(db)
	require.NoError(t, err, "the running demo's registry is still there")
	assert.True(t, os.SameFile(before, after), "and is the same file, not a new empty one")
	resp, err := http.Get("http://" + apiAddr + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the first demo still serves")
}
