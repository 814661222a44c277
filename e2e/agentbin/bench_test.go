package agentbin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const bench = `8a3f21c7      device       bound-xiaomi
e41b9a06      device       clean-xiaomi
R5CW21XKQ7M   device       samsung-secure-folder abi=armeabi-v7a
f3a2c8b1      device       unreadable
emulator-5554 offline
`

func benchEnv(t *testing.T) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	devices := filepath.Join(dir, "devices")
	require.NoError(t, os.WriteFile(devices, []byte(bench), 0o644))
	return dir, []string{"FAKEPHONE_DEVICES=" + devices, "FAKEPHONE_ROOT=" + filepath.Join(dir, "root")}
}

// TestBenchStatus: the agent binary on a bench PC, driving the fake adb.
func TestBenchStatus(t *testing.T) {
	t.Parallel()
	agent, fake := hostAgent(t), fakePhone(t)
	_, env := benchEnv(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--adb", "e41b9a06"}, 0, "SAFE to reset"},
		{[]string{"--adb", "8a3f21c7"}, 1, "NOT SAFE to reset"},
		{[]string{"--adb", "f3a2c8b1"}, 2, "COULD NOT TELL"},
		{[]string{"--adb", "emulator-5554"}, 3, "Could not read emulator-5554"},
		{[]string{"--adb", "all"}, 3, "5 phones: 1 safe, 2 not safe, 1 could not tell, 1 not checked"},
		{[]string{"--output", "yaml"}, 4, ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			res := run(t, fake, env, append([]string{agent, "status"}, tc.args...)...)
			assert.Equal(t, tc.code, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
			assert.Contains(t, res.stdout, tc.want)
		})
	}
}

// TestBenchInstall pushes the real agent binary (standing in for the arm64
// build) and has the fake phone run the pushed copy's version command.
func TestBenchInstall(t *testing.T) {
	t.Parallel()
	agent, fake := hostAgent(t), fakePhone(t)
	dir, env := benchEnv(t)
	dist := t.TempDir()
	require.NoError(t, os.Symlink(agent, filepath.Join(dist, "unbind-agent-android-arm64")))

	res := run(t, fake, env, agent, "install", "--adb", "8a3f21c7", "--dist", dist)
	require.Equal(t, 0, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
	assert.Equal(t, "8a3f21c7: unbind-agent-android-arm64 (arm64-v8a, unbind-agent "+testVersion+") started, "+
		"reporting to tcp://127.0.0.1:1883 through adb reverse tcp:1883; log /data/local/tmp/unbind-agent.log\n", res.stdout)
	info, err := os.Stat(filepath.Join(dir, "root", "8a3f21c7", "data", "local", "tmp", "unbind-agent"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())

	res = run(t, fake, env, agent, "install", "--adb", "R5CW21XKQ7M", "--dist", dist)
	assert.Equal(t, 3, res.code, "no armv7 build in dist")
	assert.Contains(t, res.stdout, "unbind-agent-linux-armv7 is missing (run make android)")
}
