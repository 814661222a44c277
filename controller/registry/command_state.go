package registry

import (
	"fmt"

	"github.com/unbind/unbind/protocol"
)

// CommandState is where a command is in its life: the two states the
// controller sets (queued, sent) followed by those the agent reports.
type CommandState string

const (
	CommandQueued     CommandState = "queued"
	CommandSent       CommandState = "sent"
	CommandAccepted                = CommandState(protocol.CommandAccepted)
	CommandInProgress              = CommandState(protocol.CommandInProgress)
	CommandSucceeded               = CommandState(protocol.CommandSucceeded)
	CommandFailed                  = CommandState(protocol.CommandFailed)
	CommandRejected                = CommandState(protocol.CommandRejected)
	CommandTimedOut                = CommandState(protocol.CommandTimedOut)
	CommandCanceled                = CommandState(protocol.CommandCanceled)
)

// rank orders states along the lifecycle. A command's state only moves to a
// higher rank: MQTT may deliver "accepted" before the controller has marked
// the command "sent", and a duplicate "in_progress" may arrive after the
// result. Terminal states share the top rank, so the first one wins.
func (s CommandState) rank() int {
	switch s {
	case CommandQueued:
		return 1
	case CommandSent:
		return 2
	case CommandAccepted:
		return 3
	case CommandInProgress:
		return 4
	case CommandSucceeded, CommandFailed, CommandRejected, CommandTimedOut, CommandCanceled:
		return 5
	}
	return 0
}

// Terminal reports whether the command is over.
func (s CommandState) Terminal() bool { return s.rank() == 5 }

// Valid reports whether s is a state this package knows.
func (s CommandState) Valid() bool { return s.rank() != 0 }

// advances reports whether moving from s to next changes the current state.
// in_progress may repeat with a new detail; nothing leaves a terminal state.
func (s CommandState) advances(next CommandState) bool {
	if s.Terminal() {
		return false
	}
	return next.rank() > s.rank() || (next == CommandInProgress && s == CommandInProgress)
}

func checkState(s CommandState) error {
	if !s.Valid() {
		return fmt.Errorf("command state %q is not one of queued, sent, accepted, in_progress, succeeded, failed, rejected, timed_out, canceled", s)
	}
	return nil
}
