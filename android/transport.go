package android

import "context"

// Transport runs one command on a phone and returns what it printed. There are
// two real transports (a local shell on the phone, and adb from a host) and a
// simulated one (androidsim) that answers like a phone.
type Transport interface {
	// Run runs argv on the phone. It returns an error only when the command
	// could not be run or did not finish (ctx done, adb gone); a command that
	// ran and failed is a Result with a non-zero ExitCode.
	Run(ctx context.Context, argv ...string) (Result, error)
}

// Result is what a command printed and how it exited.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}
