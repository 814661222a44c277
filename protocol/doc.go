// Package protocol defines the MQTT topics and the versioned messages that
// Unbind agents and the controller exchange. It imports nothing else of Unbind,
// so the agent, the controller, the broker ACL and third-party tools all agree
// on one definition of the wire.
//
// Every message is a JSON object with a "v" field holding the protocol major
// version. Decoders reject other major versions with ErrUnknownVersion, because
// a message whose meaning we cannot be sure of must never be read as "no risk".
package protocol

// Version is the protocol major version carried in every topic prefix and
// every message. It changes only when an old peer would misread a new message.
//
// History:
//
//	1: 2026-11-23: first version: state, presence, commands, command events.
//	1: 2026-11-24: optional DeviceState.Epoch; Seq kept across agent restarts.
//	   Compatible: old controllers ignore the field, old agents omit it.
//	1: 2026-11-24 (2): optional Report.BootID; factory_reset event details
//	   name their evidence (ResetDetail): "reset_screen_opened: …" while the
//	   person at the phone has yet to confirm, "wipe_started: …" once seen.
//	   Compatible: old controllers ignore boot_id and read any detail as
//	   text; new controllers read old agents' "reset started: …" details.
//	1: 2026-12-06 (3): ten new risk kinds from the lock catalogue (locks.go):
//	   vendor accounts, company management, Knox Guard, FRP already active.
//	   Old controllers reject a report carrying one as invalid, so they never
//	   read it as safe; new controllers read old agents' reports unchanged.
//	   Optional Report.Catalogue names the catalogue revision the agent
//	   judged with; a report without it never allows a reset. Optional
//	   Report.Setup (provisioned, frp_active, trade_in): what the phone
//	   shows of its own setup, for evidence seen after a reset.
//	1: 2026-12-06 (4): optional DeviceState.Station {name, lot}: the bench
//	   PC whose agent reaches the phone over USB, and the lot that bench
//	   was started with. Compatible: old controllers ignore it; reports
//	   without it (agents on the phone, older agents) decode unchanged.
//	1: 2026-12-07 (5): optional CommandEvent.BootID: the boot a factory
//	   reset's steps were taken in (its interlock check); those steps are
//	   published retained, so that a controller taking a release over reads
//	   the reset's last step again. Compatible: old controllers ignore
//	   boot_id and read a retained event as any other; events without it
//	   decode unchanged.
const Version = 1

// MaxPayload bounds every message on the wire. A phone report with dozens of
// accounts across several users stays far below it; anything larger is refused
// before it is parsed.
const MaxPayload = 64 << 10
