package agent

import "github.com/unbind/unbind/protocol"

// wipeSay is an event the wipe watch publishes; a zero wipeSay publishes
// nothing.
type wipeSay struct {
	State  protocol.CommandState
	Detail string
}

// wipeWatchStep decides what one look for a wipe makes the agent say, given
// whether it already said that the bench lost the phone. A wipe seen to
// start ends the command at once (the phone may not answer again). A lost
// phone is said once while it stays lost, as evidence that proves nothing
// by itself; the command goes on watching. Anything else says nothing.
func wipeWatchStep(lostSaid bool, sign WipeSign) (say wipeSay, lost bool) {
	switch sign.Evidence {
	case protocol.EvidenceWipeStarted:
		return wipeSay{protocol.CommandSucceeded, protocol.ResetDetail(protocol.EvidenceWipeStarted, sign.Signal)}, lostSaid
	case protocol.EvidenceADBLost:
		if lostSaid {
			return wipeSay{}, true
		}
		return wipeSay{protocol.CommandInProgress, protocol.ResetDetail(protocol.EvidenceADBLost, sign.Signal)}, true
	case "":
		// Seen again (or never lost): a later loss is news again.
		return wipeSay{}, false
	}
	// No phone may claim anything else here.
	return wipeSay{}, lostSaid
}
