package android

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrNoActivity: am found no activity for the intent (none resolves it, or
// the named class does not exist).
var ErrNoActivity = errors.New("no activity for intent")

// ParseAMStart reads what `am start` printed. am exits 0 even when it did not
// start anything, so the text decides:
//
//	Starting: Intent { act=android.settings.SYNC_SETTINGS }
//	Error: Activity not started, unable to resolve Intent { ... }
//
// A warning that the activity was already on top is a success: the screen
// shows.
func ParseAMStart(out []byte) error {
	if blank(out) {
		return ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return err
	}
	switch {
	case bytes.Contains(out, []byte("unable to resolve Intent")),
		bytes.Contains(out, []byte("does not exist")):
		return ErrNoActivity
	case bytes.Contains(out, []byte("Error")), bytes.Contains(out, []byte("Exception")):
		return fmt.Errorf("am start: %w", ErrUnrecognized)
	case bytes.Contains(out, []byte("Starting: ")):
		return nil
	}
	return fmt.Errorf("am start: %w", ErrUnrecognized)
}

// ParseAMBroadcast reads what `am broadcast` printed; only a completed
// broadcast is a success.
//
//	Broadcasting: Intent { act=android.intent.action.FACTORY_RESET pkg=android }
//	Broadcast completed: result=0
func ParseAMBroadcast(out []byte) error {
	if blank(out) {
		return ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return err
	}
	if bytes.Contains(out, []byte("Broadcast completed")) {
		return nil
	}
	if bytes.Contains(out, []byte("Broadcasting: ")) {
		return fmt.Errorf("am broadcast: %w", ErrTruncated)
	}
	return fmt.Errorf("am broadcast: %w", ErrUnrecognized)
}

// ParseRootID reads `su -c id`: root is uid 0.
func ParseRootID(out []byte) bool {
	for _, l := range bytes.Split(out, []byte("\n")) {
		if bytes.HasPrefix(bytes.TrimSpace(l), []byte("uid=0(")) {
			return true
		}
	}
	return false
}
