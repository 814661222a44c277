package android

import (
	"bytes"
	"errors"
	"fmt"
)

// Reasons a command gave no clean answer. Their texts double as the Reason of
// an agent.Problem, so they say what the phone printed, never what it printed
// about a person. Callers branch on them with errors.Is.
var (
	// ErrPermissionDenied: the phone printed "Permission Denial".
	ErrPermissionDenied = errors.New("permission denial")
	// ErrSecurityException: the phone printed a SecurityException without
	// the usual "Permission Denial" text.
	ErrSecurityException = errors.New("security exception")
	// ErrEmptyOutput: the command printed nothing where an answer was due.
	ErrEmptyOutput = errors.New("empty output")
	// ErrNull: the value is unset ("null" from settings, NULL from a provider).
	ErrNull = errors.New("null")
	// ErrNoResult: the content provider answered "No result found.".
	ErrNoResult = errors.New("no result found")
	// ErrNoProvider: no content provider is registered for the URI.
	ErrNoProvider = errors.New("no provider")
	// ErrNoService: dumpsys does not know the service.
	ErrNoService = errors.New("service not found")
	// ErrNotLoaded: the account service printed "services not loaded".
	ErrNotLoaded = errors.New("services not loaded")
	// ErrTruncated: the output stops before its own structure says it ends.
	ErrTruncated = errors.New("truncated output")
	// ErrCountMismatch: the number of accounts listed differs from the
	// number announced.
	ErrCountMismatch = errors.New("account count mismatch")
	// ErrUserMissing: a user that pm lists has no block in the account dump.
	ErrUserMissing = errors.New("user missing from account dump")
	// ErrUnrecognized: the output has a shape this parser does not know.
	// It is never read as a "no".
	ErrUnrecognized = errors.New("unrecognized output")
	// ErrCommandNotFound: the phone's shell has no such program (exit 127).
	ErrCommandNotFound = errors.New("command not found")
	// ErrTimedOut: the command did not finish within its time limit.
	ErrTimedOut = errors.New("timed out")
	// ErrDeviceUnreachable: adb could not reach the phone (not found,
	// offline, unauthorized). The command itself never ran.
	ErrDeviceUnreachable = errors.New("device unreachable")
	// ErrResetUnconfirmed: the reset broadcast was sent but the phone stopped
	// answering before confirming it, which is also what a wiping phone does.
	ErrResetUnconfirmed = errors.New("reset broadcast sent, not confirmed")
)

// reasons lists, most specific first, the errors whose text is a reason.
var reasons = []error{
	ErrDeviceUnreachable, ErrTimedOut, ErrCommandNotFound,
	ErrPermissionDenied, ErrSecurityException,
	ErrNoProvider, ErrNoService, ErrNotLoaded, ErrNoResult, ErrNull,
	ErrUserMissing, ErrCountMismatch, ErrTruncated, ErrEmptyOutput, ErrUnrecognized,
}

// ExitError is a command that exited non-zero without a message this
// package recognises.
type ExitError struct {
	Code int
}

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Reason returns a short text for err that is safe to log and to publish:
// the text of the first known reason err wraps, the exit status, or "failed".
// It never includes anything the phone printed.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	for _, r := range reasons {
		if errors.Is(err, r) {
			return r.Error()
		}
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Error()
	}
	return "failed"
}

// denial recognises the texts Android prints when the shell user may not do
// something, wherever in the output they appear.
func denial(out []byte) error {
	switch {
	case bytes.Contains(out, []byte("Permission Denial")):
		return ErrPermissionDenied
	case bytes.Contains(out, []byte("SecurityException")),
		bytes.Contains(out, []byte("Security exception")):
		return ErrSecurityException
	}
	return nil
}
