//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const fakePhonePkg = "github.com/unbind/unbind/android/androidsim/cmd/fakephone"

// fakePhoneBuild is the fakephone binary, built once for the whole package
// into a directory TestMain removes.
var fakePhoneBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fakePhoneBuild.dir != "" {
		os.RemoveAll(fakePhoneBuild.dir)
	}
	os.Exit(code)
}

// fakePhoneBin returns a directory holding adb and the phone commands, all
// links to android/androidsim/cmd/fakephone.
func fakePhoneBin(t *testing.T) string {
	t.Helper()
	b := &fakePhoneBuild
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "fakephone"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "fakephone")
		cmd := exec.Command("go", "build", "-o", b.path, fakePhonePkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = &buildError{err: err, out: out}
		}
	})
	require.NoError(t, b.err)
	dir := t.TempDir()
	out, err := exec.Command(b.path, "link", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return dir
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string {
	return "go build fakephone: " + e.err.Error() + ": " + string(e.out)
}

// withFakePhones puts the fake adb and phone commands first on PATH, with
// scenario as the attached phones, and returns the fake's environment dir.
// Tests that use it cannot run in parallel: PATH is process-wide.
func withFakePhones(t *testing.T, scenario string) (dir string) {
	t.Helper()
	bin := fakePhoneBin(t)
	dir = t.TempDir()
	devices := filepath.Join(dir, "devices")
	require.NoError(t, os.WriteFile(devices, []byte(scenario), 0o644))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKEPHONE_DEVICES", devices)
	t.Setenv("FAKEPHONE_ROOT", filepath.Join(dir, "root"))
	t.Setenv("FAKEPHONE_LOG", filepath.Join(dir, "log"))
	t.Setenv("FAKEPHONE_PROFILE", "")
	t.Setenv("FAKEPHONE_SERIAL", "")
	return dir
}

// runAgent runs the command line in-process as main would.
func runAgent(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return out.String(), errb.String(), code
}
