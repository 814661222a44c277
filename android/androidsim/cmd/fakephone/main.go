// Command fakephone stands in for adb and for a phone's own shell commands in
// tests, answering from androidsim's simulated phones in the formats real
// phones print.
//
// It is a multi-call binary: invoked as "adb" (through a symlink, or as
// `fakephone adb ...`) it serves `devices`, `shell`, `push` and `reverse` for
// the phones of a scenario; invoked as getprop, pm, dumpsys, content,
// settings, service, am, cmd, su or id it is that command on one phone, for
// an agent that runs "on the phone" with these links first on its PATH.
// `fakephone link DIR` creates every link in DIR.
//
// Environment:
//
//	FAKEPHONE_DEVICES  scenario file: the attached phones, one a line,
//	                   "SERIAL STATE [PROFILE [abi=ABI]]" (default: one
//	                   ready phone per profile, under the profile's serial)
//	FAKEPHONE_PROFILE  the phone the phone commands are (a profile name)
//	FAKEPHONE_SERIAL   or: the scenario's phone they are
//	FAKEPHONE_ROOT     directory holding each phone's pushed files, as
//	                   ROOT/SERIAL/data/local/tmp/...; unset, pushes are
//	                   checked and dropped
//	FAKEPHONE_LOG      file that gets one JSON line per invocation
//
// Each invocation builds its phone afresh, so state changes (a person
// signing out) do not carry over from one command to the next. The phone's
// shell is androidsim's: it parses adb's joined command line as the phone's
// sh would. A few commands that touch files or processes (chmod, pkill, a
// pushed program, and a line starting the agent in the background) are
// answered by the fake itself against FAKEPHONE_ROOT.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
)

const (
	envDevices = "FAKEPHONE_DEVICES"
	envProfile = "FAKEPHONE_PROFILE"
	envSerial  = "FAKEPHONE_SERIAL"
	envRoot    = "FAKEPHONE_ROOT"
	envLog     = "FAKEPHONE_LOG"
)

// phoneCommands are the programs the agent runs on a phone. sh is not among
// them: a link named sh first on PATH would replace the host's shell.
var phoneCommands = []string{"getprop", "pm", "dumpsys", "content", "settings", "service", "am", "cmd", "su", "id"}

// exitUsage is what the fake returns for a misuse of the fake itself, as
// opposed to an answer a phone or adb would give.
const exitUsage = 2

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	f := &fake{env: os.Getenv, stdout: os.Stdout, stderr: os.Stderr}
	code := f.main(ctx, os.Args)
	stop()
	os.Exit(code)
}

// fake is one invocation. Tests run it in-process with their own env and
// buffers.
type fake struct {
	env            func(string) string
	stdout, stderr io.Writer
}

func (f *fake) main(ctx context.Context, argv []string) int {
	if len(argv) == 0 {
		return exitUsage
	}
	name, args := filepath.Base(argv[0]), argv[1:]
	if name != "adb" && !slices.Contains(phoneCommands, name) {
		if len(args) == 0 {
			fmt.Fprintln(f.stderr, "usage: fakephone adb|link DIR|"+fmt.Sprint(phoneCommands)+" ARGS...")
			return exitUsage
		}
		name, args = args[0], args[1:]
	}
	f.record(name, args)
	switch {
	case name == "adb":
		return f.adb(ctx, args)
	case name == "link":
		return f.link(args)
	case slices.Contains(phoneCommands, name):
		return f.phoneCommand(ctx, name, args)
	}
	fmt.Fprintf(f.stderr, "fakephone: unknown personality %q\n", name)
	return exitUsage
}

// link creates, in the directory args[0], a link to this binary for adb and
// every phone command.
func (f *fake) link(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(f.stderr, "usage: fakephone link DIR")
		return exitUsage
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(f.stderr, "fakephone link:", err)
		return 1
	}
	for _, name := range append([]string{"adb"}, phoneCommands...) {
		if err := os.Symlink(self, filepath.Join(args[0], name)); err != nil {
			fmt.Fprintln(f.stderr, "fakephone link:", err)
			return 1
		}
	}
	return 0
}

// record appends the invocation to FAKEPHONE_LOG. Lines are short and the
// file is opened for appending, so concurrent invocations do not interleave.
func (f *fake) record(name string, args []string) {
	path := f.env(envLog)
	if path == "" {
		return
	}
	line, err := json.Marshal(invocation{Cmd: name, Args: args})
	if err != nil {
		return
	}
	fd, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintln(f.stderr, "fakephone: log:", err)
		return
	}
	defer fd.Close()
	fd.Write(append(line, '\n'))
}

// invocation is one line of FAKEPHONE_LOG.
type invocation struct {
	Cmd  string   `json:"cmd"`
	Args []string `json:"args"`
}

// scenario returns the attached phones.
func (f *fake) scenario() ([]entry, error) {
	path := f.env(envDevices)
	if path == "" {
		return defaultScenario(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	es, err := parseScenario(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return es, nil
}
