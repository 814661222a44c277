package registry

import (
	"strings"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Update is one decoded agent message. Exactly one of State, Presence and
// Event is set.
type Update struct {
	DeviceID string
	// ReceivedAt is the controller's clock when the message arrived.
	ReceivedAt time.Time
	State      *protocol.DeviceState
	Presence   *protocol.Presence
	Event      *protocol.CommandEvent
	// Raw, when set, is the state report exactly as received; it is stored
	// as is instead of being encoded again.
	Raw []byte
	// Decoded says the payload came from a protocol decoder, which already
	// validated it; Apply then skips that part of its own checks.
	Decoded bool
}

// Filter selects devices; set fields combine with AND, and the zero Filter
// selects every device.
type Filter struct {
	// Bound selects devices whose verdict is at_risk.
	Bound bool
	Safe  bool
	// Unknown selects devices whose verdict is unknown, including devices
	// that have not reported any state yet.
	Unknown bool
	Online  bool
	Offline bool
}

// Device is the registry's view of one phone. Registry structs are storage,
// not the API's JSON: controller/httpapi converts them to package api's types.
type Device struct {
	ID string
	// Identity keeps the last non-empty value of every field ever reported,
	// so a property that could not be read once does not erase it.
	Identity  protocol.Identity
	FirstSeen time.Time
	// LastSeen is the arrival of the newest message that was not stale.
	LastSeen     time.Time
	Online       bool
	AgentVersion string
	// PresenceAt is when the device last went online or offline (arrival time).
	PresenceAt time.Time
	// State is the newest report; nil until one arrived.
	State *protocol.Report
	// Verdict is "" until a state arrived; show it as unknown, never safe.
	Verdict  protocol.Verdict
	StateSeq uint64
	// StateAt is when the current state was received.
	StateAt time.Time
	// ClockOffset is how far the phone's clock was behind the controller's
	// (negative: ahead) when its newest report arrived, network delay
	// included; nil until a report arrived.
	ClockOffset *time.Duration
	// ConflictsWith lists the devices this one is in an open identity
	// conflict with (the same serial or IMEI reported), sorted; DisownedAt
	// is when an operator named another device the genuine holder of its
	// identity. Either keeps the phone from being reset or certified: see
	// IdentityProblem.
	ConflictsWith []string
	DisownedAt    time.Time
}

// IdentityProblem says why the device's identity cannot be trusted, or "".
// It is the one rule the reset interlock, the release and the certificate
// read.
func (d Device) IdentityProblem() string {
	switch {
	case !d.DisownedAt.IsZero():
		return "an operator named another device the genuine holder of the serial and IMEI this one reports"
	case len(d.ConflictsWith) > 0:
		return "identity conflict: " + strings.Join(d.ConflictsWith, ", ") +
			" reports the same serial or IMEI; an operator must name the genuine phone (unbind phone resolve)"
	}
	return ""
}

// StateChange is a report that changed what matters about a device: its
// verdict, its set of risk kinds, Find Device or lost mode.
type StateChange struct {
	// At is when the report was received.
	At         time.Time
	Verdict    protocol.Verdict
	RiskKinds  []protocol.RiskKind
	FindDevice protocol.Tri
	LostMode   protocol.Tri
	CheckedAt  time.Time
	Seq        uint64
	// Catalogue is the lock catalogue revision the report was judged with.
	Catalogue int
}

// PresenceChange is a device going online or offline.
type PresenceChange struct {
	At     time.Time
	Status protocol.PresenceStatus
}

// Summary counts devices. Online+Offline = Total; the verdict counts cover
// devices with a state, and NoState the others.
type Summary struct {
	Total     int
	Online    int
	Offline   int
	ByVerdict map[protocol.Verdict]int
	NoState   int
}

// CommandRecord is a command and everything that happened to it.
type CommandRecord struct {
	ID        string
	DeviceID  string
	Kind      protocol.CommandKind
	Target    string
	IssuedAt  time.Time
	ExpiresAt time.Time
	State     protocol.CommandState
	UpdatedAt time.Time
	// Transitions are oldest first, including ones that did not change
	// State (a late event after a terminal state).
	Transitions []CommandTransition
}

// CommandTransition is one step reported for a command.
type CommandTransition struct {
	// At is the controller's clock when the step was recorded or received.
	At     time.Time
	State  protocol.CommandState
	Detail string
	// ReportedAt is the agent's own clock for steps it reported.
	ReportedAt time.Time
	// Boot is the phone's boot the agent named for the step ("" when it
	// named none): for a reset, the boot of its interlock check.
	Boot string
}

// ApplyStats says what Apply did with each update of a batch.
type ApplyStats struct {
	// Applied updates changed the registry (or confirmed it, for a repeated
	// presence or a newer identical report).
	Applied int
	// Stale state reports were older than, or the same as, the current one;
	// stale presence arrived before the current one.
	Stale int
	// Orphans are events for commands the registry never recorded.
	Orphans int
	// Invalid updates failed validation and were skipped.
	Invalid int
	// Failed updates hit a database error and were rolled back alone.
	Failed int
}

func (a *ApplyStats) add(b ApplyStats) {
	a.Applied += b.Applied
	a.Stale += b.Stale
	a.Orphans += b.Orphans
	a.Invalid += b.Invalid
	a.Failed += b.Failed
}
