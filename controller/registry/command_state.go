package registry

import (
	"fmt"

	"github.com/unbind/unbind/protocol"
)

// commandRank orders a command's states along its lifecycle
// (protocol.CommandState: the controller's queued and sent, then what the
// agent reports). A command's state only moves to a higher rank: MQTT may
// deliver "accepted" before the controller has marked the command "sent",
// and a duplicate "in_progress" may arrive after the result. Terminal states
// share the top rank, so the first one wins. 0 is a state this package does
// not know.
func commandRank(s protocol.CommandState) int {
	switch s {
	case protocol.CommandQueued:
		return 1
	case protocol.CommandSent:
		return 2
	case protocol.CommandAccepted:
		return 3
	case protocol.CommandInProgress:
		return 4
	case protocol.CommandSucceeded, protocol.CommandFailed, protocol.CommandRejected, protocol.CommandTimedOut, protocol.CommandCanceled:
		return 5
	}
	return 0
}

// advances reports whether moving from cur to next changes the current
// state. in_progress may repeat with a new detail; nothing leaves a
// terminal state.
func advances(cur, next protocol.CommandState) bool {
	if cur.Terminal() {
		return false
	}
	return commandRank(next) > commandRank(cur) || (next == protocol.CommandInProgress && cur == protocol.CommandInProgress)
}

func checkState(s protocol.CommandState) error {
	if commandRank(s) == 0 {
		return fmt.Errorf("command state %q is not one of queued, sent, accepted, in_progress, succeeded, failed, rejected, timed_out, canceled", s)
	}
	return nil
}
