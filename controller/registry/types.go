package registry

import (
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
	Bound bool `json:"bound"`
	Safe  bool `json:"safe"`
	// Unknown selects devices whose verdict is unknown, including devices
	// that have not reported any state yet.
	Unknown bool `json:"unknown"`
	Online  bool `json:"online"`
	Offline bool `json:"offline"`
}

// Device is the registry's view of one phone.
type Device struct {
	ID string `json:"id"`
	// Identity keeps the last non-empty value of every field ever reported,
	// so a property that could not be read once does not erase it.
	Identity  protocol.Identity `json:"identity"`
	FirstSeen time.Time         `json:"first_seen"`
	// LastSeen is the arrival of the newest message that was not stale.
	LastSeen     time.Time `json:"last_seen"`
	Online       bool      `json:"online"`
	AgentVersion string    `json:"agent_version,omitempty"`
	// PresenceAt is when the device last went online or offline (arrival time).
	PresenceAt time.Time `json:"presence_at,omitzero"`
	// State is the newest report; nil until one arrived.
	State *protocol.Report `json:"state"`
	// Verdict is "" until a state arrived; show it as unknown, never safe.
	Verdict  protocol.Verdict `json:"verdict"`
	StateSeq uint64           `json:"state_seq"`
	// StateAt is when the current state was received.
	StateAt time.Time `json:"state_at,omitzero"`
	// ClockOffset is how far the phone's clock was behind the controller's
	// (negative: ahead) when its newest report arrived, network delay
	// included; nil until a report arrived.
	ClockOffset *time.Duration `json:"clock_offset,omitempty"`
}

// StateChange is a report that changed what matters about a device: its
// verdict, its set of risk kinds, Find Device or lost mode.
type StateChange struct {
	// At is when the report was received.
	At         time.Time           `json:"at"`
	Verdict    protocol.Verdict    `json:"verdict"`
	RiskKinds  []protocol.RiskKind `json:"risk_kinds"`
	FindDevice protocol.Tri        `json:"find_device"`
	LostMode   protocol.Tri        `json:"lost_mode"`
	CheckedAt  time.Time           `json:"checked_at"`
	Seq        uint64              `json:"seq"`
}

// PresenceChange is a device going online or offline.
type PresenceChange struct {
	At     time.Time               `json:"at"`
	Status protocol.PresenceStatus `json:"status"`
}

// Summary counts devices. Online+Offline = Total; the verdict counts cover
// devices with a state, and NoState the others.
type Summary struct {
	Total     int                      `json:"total"`
	Online    int                      `json:"online"`
	Offline   int                      `json:"offline"`
	ByVerdict map[protocol.Verdict]int `json:"by_verdict"`
	NoState   int                      `json:"no_state"`
}

// CommandRecord is a command and everything that happened to it.
type CommandRecord struct {
	ID        string               `json:"id"`
	DeviceID  string               `json:"device_id"`
	Kind      protocol.CommandKind `json:"kind"`
	Target    string               `json:"target,omitempty"`
	IssuedAt  time.Time            `json:"issued_at"`
	ExpiresAt time.Time            `json:"expires_at"`
	State     CommandState         `json:"state"`
	UpdatedAt time.Time            `json:"updated_at"`
	// Transitions are oldest first, including ones that did not change
	// State (a late event after a terminal state).
	Transitions []CommandTransition `json:"transitions"`
}

// CommandTransition is one step reported for a command.
type CommandTransition struct {
	// At is the controller's clock when the step was recorded or received.
	At     time.Time    `json:"at"`
	State  CommandState `json:"state"`
	Detail string       `json:"detail,omitempty"`
	// ReportedAt is the agent's own clock for steps it reported.
	ReportedAt time.Time `json:"reported_at,omitzero"`
}

// ApplyStats says what Apply did with each update of a batch.
type ApplyStats struct {
	// Applied updates changed the registry (or confirmed it, for a repeated
	// presence or a newer identical report).
	Applied int `json:"applied"`
	// Stale state reports were older than, or the same as, the current one;
	// stale presence arrived before the current one.
	Stale int `json:"stale"`
	// Orphans are events for commands the registry never recorded.
	Orphans int `json:"orphans"`
	// Invalid updates failed validation and were skipped.
	Invalid int `json:"invalid"`
	// Failed updates hit a database error and were rolled back alone.
	Failed int `json:"failed"`
}

func (a *ApplyStats) add(b ApplyStats) {
	a.Applied += b.Applied
	a.Stale += b.Stale
	a.Orphans += b.Orphans
	a.Invalid += b.Invalid
	a.Failed += b.Failed
}
