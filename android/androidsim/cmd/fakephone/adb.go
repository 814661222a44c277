package main

import (
	"context"
	"fmt"
	"strings"
)

// adb answers the adb commands the agent and its installer use. Messages and
// exit codes are adb's own, so the adapter's tests of adb failures hold.
func (f *fake) adb(ctx context.Context, args []string) int {
	es, err := f.scenario()
	if err != nil {
		fmt.Fprintln(f.stderr, "fakephone:", err)
		return exitUsage
	}
	serial := ""
	for len(args) >= 2 && args[0] == "-s" {
		serial, args = args[1], args[2:]
	}
	if len(args) == 0 {
		fmt.Fprintln(f.stderr, "adb: usage: no command specified")
		return 1
	}
	switch args[0] {
	case "devices":
		fmt.Fprintln(f.stdout, "List of devices attached")
		for _, e := range es {
			fmt.Fprintf(f.stdout, "%s\t%s\n", e.Serial, e.State)
		}
		fmt.Fprintln(f.stdout)
		return 0
	case "version":
		fmt.Fprintln(f.stdout, "Android Debug Bridge version 1.0.41\nVersion 35.0.2-fakephone")
		return 0
	}
	e, code := f.target(es, serial)
	if code != 0 {
		return code
	}
	switch args[0] {
	case "shell":
		return f.shell(ctx, e, args[1:])
	case "push":
		return f.push(e, args[1:])
	case "reverse":
		return f.reverse(args[1:])
	}
	fmt.Fprintf(f.stderr, "adb: unknown command %s\n", args[0])
	return 1
}

// target picks the phone a command is for, failing as adb does.
func (f *fake) target(es []entry, serial string) (entry, int) {
	var e entry
	switch {
	case serial != "":
		var ok bool
		if e, ok = find(es, serial); !ok {
			fmt.Fprintf(f.stderr, "error: device '%s' not found\n", serial)
			return entry{}, 1
		}
	case len(es) == 0:
		fmt.Fprintln(f.stderr, "error: no devices/emulators found")
		return entry{}, 1
	case len(es) > 1:
		fmt.Fprintln(f.stderr, "error: more than one device/emulator")
		return entry{}, 1
	default:
		e = es[0]
	}
	switch e.State {
	case "device":
		return e, 0
	case "unauthorized":
		fmt.Fprintln(f.stderr, "error: device unauthorized.\n"+
			"This adb server's $ADB_VENDOR_KEYS is not set\n"+
			"Try 'adb kill-server' if that seems wrong.\n"+
			"Otherwise check for a confirmation dialog on your device.")
	case "offline":
		fmt.Fprintln(f.stderr, "error: device offline")
	case "recovery", "sideload":
		// Rebooted into recovery: listed, but its adbd offers no shell.
		fmt.Fprintln(f.stderr, "error: closed")
	default:
		fmt.Fprintf(f.stderr, "error: device '%s' not found\n", e.Serial)
	}
	return entry{}, 1
}

// startWords begin a line that starts a program in the background, as
// install starts the agent. The fake only records such a line: a test must
// not leave an agent running.
var startWords = map[string]bool{"cd": true, "if": true, "setsid": true, "nohup": true}

func startsInBackground(words []string) bool {
	last := words[len(words)-1]
	return startWords[words[0]] && (last == "&" || last == "fi")
}

// shell runs a command line on the phone. adb joins its arguments with
// spaces into one line for the phone's shell, so quoting is the caller's.
func (f *fake) shell(ctx context.Context, e entry, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(f.stderr, "fakephone: interactive adb shell is not simulated")
		return exitUsage
	}
	line := strings.Join(args, " ")
	if words, err := splitWords(line); err == nil && len(words) > 0 {
		switch {
		case strings.HasPrefix(words[0], remoteDir):
			return f.runPushed(ctx, e, words)
		case words[0] == "chmod":
			return f.chmod(e, words[1:])
		case words[0] == "pkill":
			return 1 // nothing the fake started is running
		case startsInBackground(words):
			return 0
		}
	}
	return f.onPhone(ctx, e, []string{"sh", "-c", line})
}

// reverse accepts `reverse tcp:PORT tcp:PORT`, which prints nothing.
func (f *fake) reverse(args []string) int {
	if len(args) != 2 || !tcpSpec(args[0]) || !tcpSpec(args[1]) {
		fmt.Fprintf(f.stderr, "adb: error: fakephone only simulates reverse tcp:N tcp:N, not %q\n", args)
		return 1
	}
	return 0
}

func tcpSpec(s string) bool {
	port, ok := strings.CutPrefix(s, "tcp:")
	if !ok || port == "" || len(port) > 5 {
		return false
	}
	for _, r := range port {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
