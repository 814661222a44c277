package agentbin

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	agentPkg     = "github.com/unbind/unbind/cmd/unbind-agent"
	fakePhonePkg = "github.com/unbind/unbind/android/androidsim/cmd/fakephone"
	// testVersion is stamped into the agent builds, as make does.
	testVersion = "agentbin-test"
)

// binDir holds every binary the tests build; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "agentbin")
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentbin:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build is one binary, built at most once per test process.
type build struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

var builds sync.Map // name -> *build

// goBuild builds pkg for goos/goarch without cgo (as make android does) and
// returns the binary's path. env adds to the build's environment (GOARM).
func goBuild(t *testing.T, name, pkg, goos, goarch string, env ...string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(name, &build{})
	b := v.(*build)
	b.once.Do(func() {
		b.path = filepath.Join(binDir, name)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version="+testVersion, "-o", b.path, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
		cmd.Env = append(cmd.Env, env...)
		b.out, b.err = cmd.CombinedOutput()
	})
	require.NoError(t, b.err, "go build %s for %s/%s: %s", pkg, goos, goarch, b.out)
	return b.path
}

func hostAgent(t *testing.T) string {
	return goBuild(t, "unbind-agent", agentPkg, runtime.GOOS, runtime.GOARCH)
}

func arm64Agent(t *testing.T) string {
	return goBuild(t, "unbind-agent-linux-arm64", agentPkg, "linux", "arm64")
}

// armv7Agent is the build make android makes for 32-bit phones.
func armv7Agent(t *testing.T) string {
	return goBuild(t, "unbind-agent-linux-armv7", agentPkg, "linux", "arm", "GOARM=7")
}

// fakePhone returns a fresh directory of links to the fake adb and phone
// commands, for a PATH.
func fakePhone(t *testing.T) string {
	t.Helper()
	bin := goBuild(t, "fakephone", fakePhonePkg, runtime.GOOS, runtime.GOARCH)
	dir := t.TempDir()
	out, err := exec.Command(bin, "link", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return dir
}

// result is how a process ended.
type result struct {
	stdout, stderr string
	code           int
}

// run runs argv with the fake phone's directory first on PATH and env added.
func run(t *testing.T, fakeDir string, env []string, argv ...string) result {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "PATH="+fakeDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		require.NoError(t, err, "run %v", argv)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}
