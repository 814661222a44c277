package boot

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServiceScriptParses(t *testing.T) {
	out, err := exec.Command("sh", "-n", "service.sh").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.True(t, strings.HasPrefix(string(ServiceScript), "#!/system/bin/sh\n"))
}

// phone is a directory standing in for the phone: a getprop that says boot
// completed on its third call, and an agent stub that records how it was
// started and then stops the restart loop that started it.
type phone struct {
	dir, bin, unbind string
}

func newPhone(t *testing.T, conf string) phone {
	t.Helper()
	p := phone{dir: t.TempDir()}
	p.bin, p.unbind = filepath.Join(p.dir, "bin"), filepath.Join(p.dir, "adb", "unbind")
	require.NoError(t, os.MkdirAll(p.bin, 0o755))
	require.NoError(t, os.MkdirAll(p.unbind, 0o700))
	write := func(path, text string, mode os.FileMode) {
		require.NoError(t, os.WriteFile(path, []byte(text), mode))
	}
	write(filepath.Join(p.bin, "getprop"), `#!/bin/sh
[ "$1" = sys.boot_completed ] || exit 1
echo x >>"`+p.dir+`/getprop.calls"
[ "$(wc -l <"`+p.dir+`/getprop.calls")" -ge 3 ] && echo 1 || echo 0
`, 0o755)
	write(filepath.Join(p.unbind, "unbind-agent"), `#!/bin/sh
echo "$*" >"`+p.dir+`/agent.args.tmp"
mv "`+p.dir+`/agent.args.tmp" "`+p.dir+`/agent.args"
kill "$PPID"
`, 0o755)
	if conf != "" {
		write(filepath.Join(p.unbind, "agent.env"), conf, 0o600)
	}
	return p
}

func (p phone) boot(t *testing.T) (code int) {
	t.Helper()
	cmd := exec.Command("sh", "service.sh")
	cmd.Env = append(os.Environ(),
		"PATH="+p.bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"UNBIND_DIR="+p.unbind, "UNBIND_BOOT_POLL=0", "UNBIND_BOOT_TRIES=10")
	err := cmd.Run()
	if err != nil {
		var exitErr *exec.ExitError
		require.ErrorAs(t, err, &exitErr)
		return exitErr.ExitCode()
	}
	return 0
}

func TestServiceScriptStartsAgent(t *testing.T) {
	p := newPhone(t, "UNBIND_BROKER=tcp://192.168.1.20:1883\nUNBIND_ARGS='--interval 30s'\n")
	require.Equal(t, 0, p.boot(t))

	var args []byte
	require.Eventually(t, func() bool {
		var err error
		args, err = os.ReadFile(filepath.Join(p.dir, "agent.args"))
		return err == nil
	}, time.Minute, 20*time.Millisecond, "the agent was never started")
	assert.Equal(t, []string{"run", "--broker", "tcp://192.168.1.20:1883", "--state-dir", p.unbind + "/state", "--interval", "30s"}, strings.Fields(string(args)))

	calls, err := os.ReadFile(filepath.Join(p.dir, "getprop.calls"))
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(calls), "\n"), "the agent starts only once boot completed")
}

func TestServiceScriptRefuses(t *testing.T) {
	tests := []struct {
		name, conf, log string
		breakAgent      bool
	}{
		{"no config", "", "no UNBIND_BROKER", false},
		{"no broker", "UNBIND_ARGS=--interval\n", "no UNBIND_BROKER", false},
		{"agent not executable", "UNBIND_BROKER=tcp://10.0.0.1:1883\n", "missing or not executable", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPhone(t, tc.conf)
			if tc.breakAgent {
				require.NoError(t, os.Chmod(filepath.Join(p.unbind, "unbind-agent"), 0o644))
			}
			assert.Equal(t, 1, p.boot(t))
			log, err := os.ReadFile(filepath.Join(p.unbind, "agent.log"))
			require.NoError(t, err)
			assert.Contains(t, string(log), tc.log)
			_, err = os.Stat(filepath.Join(p.dir, "agent.args"))
			assert.True(t, os.IsNotExist(err), "the agent must not start")
		})
	}
}
