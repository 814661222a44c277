package protocol

import (
	"fmt"
	"strings"
	"time"
)

// DeviceState is the latest report of one device. The agent publishes it
// retained at QoS 1 on StateTopic, so a new subscriber sees it at once.
type DeviceState struct {
	V        int    `json:"v"`
	DeviceID string `json:"device_id"`
	// Seq grows with every report of one agent; with Epoch it lets the
	// controller drop reports that arrive out of order without trusting the
	// phone's clock. An agent keeps Seq across restarts in its state
	// directory.
	Seq uint64 `json:"seq"`
	// Epoch names the agent's sequence: it changes only when the agent lost
	// its state directory and Seq started again at 1. Empty from agents
	// older than the 2026-11-24 revision, which are ordered by CheckedAt.
	Epoch string `json:"epoch,omitempty"`
	// Station is the bench PC that reaches the phone over USB, when the
	// agent runs there; nil from an agent on the phone and from agents
	// before the 2026-12-06 revision 4.
	Station *Station `json:"station,omitempty"`
	Report
}

// Validate checks a DeviceState before it is sent or after it is decoded.
func (s DeviceState) Validate() error {
	if err := checkHeader(s.V, s.DeviceID); err != nil {
		return err
	}
	if len(s.Epoch) > 64 {
		return fmt.Errorf("%w: epoch is %d bytes, limit 64", ErrInvalid, len(s.Epoch))
	}
	if s.Station != nil {
		if err := s.Station.Validate(); err != nil {
			return err
		}
	}
	return s.Report.Validate()
}

// PresenceStatus tells whether an agent is connected.
type PresenceStatus string

const (
	Online  PresenceStatus = "online"
	Offline PresenceStatus = "offline"
)

// Presence is published retained on PresenceTopic: online by the agent when it
// connects, offline by the agent on a clean stop or by the broker as its will.
type Presence struct {
	V        int            `json:"v"`
	DeviceID string         `json:"device_id"`
	Status   PresenceStatus `json:"status"`
	// At is when the agent wrote the message; a will is written at connect
	// time, so receivers time offline transitions by arrival.
	At           time.Time `json:"at"`
	AgentVersion string    `json:"agent_version,omitempty"`
}

// Validate checks a Presence before it is sent or after it is decoded.
func (p Presence) Validate() error {
	if err := checkHeader(p.V, p.DeviceID); err != nil {
		return err
	}
	if p.Status != Online && p.Status != Offline {
		return fmt.Errorf("%w: status %q is not online or offline", ErrInvalid, p.Status)
	}
	if p.At.IsZero() {
		return fmt.Errorf("%w: at is missing", ErrInvalid)
	}
	return nil
}

// CommandKind names what a command asks the agent to do.
type CommandKind string

const (
	CommandRefresh           CommandKind = "refresh"
	CommandSignOut           CommandKind = "sign_out"
	CommandDisableFindDevice CommandKind = "disable_find_device"
	CommandFactoryReset      CommandKind = "factory_reset"
	CommandCancel            CommandKind = "cancel"
)

// Occupies reports whether the agent runs a command of kind k as its one
// active command: while one runs, every other command that occupies the
// agent is rejected as busy (RejectedBusyPrefix). A refresh or a cancel
// never waits.
func (k CommandKind) Occupies() bool { return k != CommandRefresh && k != CommandCancel }

// CommandKinds lists every kind a decoder accepts.
var CommandKinds = []CommandKind{
	CommandRefresh, CommandSignOut, CommandDisableFindDevice, CommandFactoryReset, CommandCancel,
}

// Command is sent by the controller to one device on CommandTopic at QoS 1.
type Command struct {
	V        int         `json:"v"`
	ID       string      `json:"id"`
	DeviceID string      `json:"device_id"`
	Kind     CommandKind `json:"kind"`
	// Target is the ID of the command a cancel command cancels.
	Target    string    `json:"target,omitempty"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Sig is the controller's ed25519 signature (standard base64) over the
	// rest of the command: see SignCommand. Agents run only signed commands.
	Sig string `json:"sig,omitempty"`
}

// Validate checks a Command before it is sent or after it is decoded.
func (c Command) Validate() error {
	if err := checkHeader(c.V, c.DeviceID); err != nil {
		return err
	}
	if err := checkCommandID("id", c.ID); err != nil {
		return err
	}
	known := false
	for _, k := range CommandKinds {
		known = known || c.Kind == k
	}
	if !known {
		return fmt.Errorf("%w: kind %q is unknown", ErrInvalid, c.Kind)
	}
	if c.Kind == CommandCancel {
		if err := checkCommandID("target", c.Target); err != nil {
			return err
		}
	}
	if c.IssuedAt.IsZero() || c.ExpiresAt.IsZero() {
		return fmt.Errorf("%w: issued_at and expires_at are required", ErrInvalid)
	}
	if !c.ExpiresAt.After(c.IssuedAt) {
		return fmt.Errorf("%w: expires_at is not after issued_at", ErrInvalid)
	}
	if len(c.Sig) > maxSigLen {
		return fmt.Errorf("%w: sig is longer than %d characters", ErrInvalid, maxSigLen)
	}
	return nil
}

// CommandState is a step in a command's life: the controller's own first
// two (queued, sent), then those the agent reports.
type CommandState string

const (
	// CommandQueued: stored by the controller, waiting for delivery. The
	// controller's own step: an agent never sends it (CommandStates leaves it
	// out, so a decoder refuses it).
	CommandQueued CommandState = "queued"
	// CommandSent: published to the agent by the controller; also never sent
	// by an agent.
	CommandSent CommandState = "sent"

	// CommandAccepted: the agent received the command and will run it.
	CommandAccepted CommandState = "accepted"
	// CommandInProgress: running; Detail says what the agent waits for.
	CommandInProgress CommandState = "in_progress"
	CommandSucceeded  CommandState = "succeeded"
	CommandFailed     CommandState = "failed"
	// CommandRejected: refused before acting (expired, unsafe, malformed).
	CommandRejected CommandState = "rejected"
	CommandTimedOut CommandState = "timed_out"
	CommandCanceled CommandState = "canceled"
)

// RejectedBusyPrefix starts the Detail of a command rejected only because
// the agent was running another one: nothing about the phone refused it,
// so the sender may ask again once that command ends.
const RejectedBusyPrefix = "busy with command "

// RejectedBusy reports whether a rejection's detail says the agent was busy.
func RejectedBusy(detail string) bool { return strings.HasPrefix(detail, RejectedBusyPrefix) }

// CommandStates lists every state a decoder accepts: those an agent reports.
var CommandStates = []CommandState{
	CommandAccepted, CommandInProgress, CommandSucceeded, CommandFailed,
	CommandRejected, CommandTimedOut, CommandCanceled,
}

// Terminal reports whether no further event follows this state.
func (s CommandState) Terminal() bool {
	switch s {
	case CommandSucceeded, CommandFailed, CommandRejected, CommandTimedOut, CommandCanceled:
		return true
	}
	return false
}

// CommandEvent is the agent's progress on one command, on EventTopic at QoS 1.
type CommandEvent struct {
	V         int          `json:"v"`
	DeviceID  string       `json:"device_id"`
	CommandID string       `json:"command_id"`
	State     CommandState `json:"state"`
	At        time.Time    `json:"at"`
	// Detail is a short human-readable explanation free of personal data.
	Detail string `json:"detail,omitempty"`
	// BootID is the phone's boot (as Report.BootID) when the agent read it
	// for this step: a factory reset's steps carry the boot of the
	// interlock check just before the reset. Empty when unknown and from
	// agents older than revision 5.
	BootID string `json:"boot_id,omitempty"`
}

// Validate checks a CommandEvent before it is sent or after it is decoded.
func (e CommandEvent) Validate() error {
	if err := checkHeader(e.V, e.DeviceID); err != nil {
		return err
	}
	if err := checkCommandID("command_id", e.CommandID); err != nil {
		return err
	}
	known := false
	for _, s := range CommandStates {
		known = known || e.State == s
	}
	if !known {
		return fmt.Errorf("%w: state %q is unknown", ErrInvalid, e.State)
	}
	if e.At.IsZero() {
		return fmt.Errorf("%w: at is missing", ErrInvalid)
	}
	if len(e.BootID) > maxBootID {
		return fmt.Errorf("%w: boot_id is %d bytes, limit %d", ErrInvalid, len(e.BootID), maxBootID)
	}
	return nil
}

func checkHeader(v int, deviceID string) error {
	if v == 0 {
		return fmt.Errorf("%w: v is missing", ErrInvalid)
	}
	if v != Version {
		return fmt.Errorf("%w: v=%d, this build speaks v=%d", ErrUnknownVersion, v, Version)
	}
	if err := ValidateDeviceID(deviceID); err != nil {
		return fmt.Errorf("%w: device_id: %w", ErrInvalid, err)
	}
	return nil
}

const maxCommandIDLen = 64

func checkCommandID(field, id string) error {
	if id == "" || len(id) > maxCommandIDLen {
		return fmt.Errorf("%w: %s must be 1 to %d characters", ErrInvalid, field, maxCommandIDLen)
	}
	return nil
}
