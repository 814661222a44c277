// Package controller is the application service of Unbind's controller: it
// keeps the registry of phones, hears their agents over MQTT (its embedded
// broker or an external one), dispatches commands and runs releases. It
// serves nothing over HTTP itself: controller/httpapi serves the API and the
// console over a *Controller, and cmd/unbind wires the two with the metrics
// (controller/metrics).
//
// Which rule lives where:
//
//   - What makes a phone safe to reset: the agent decides (agent.Assess);
//     the controller's half of the reset interlock, a fresh safe report, is
//     release.ResetAllowed (controller/release/interlock.go), applied when a
//     reset is issued and again when a queued one is delivered (dispatch.go).
//   - A release's steps: the pure machine in controller/release/machine.go
//     (release.Next: a release and what was observed in, the next release
//     and its effects out); what counts as evidence of a
//     reset: controller/release/evidence.go. releasebatch.go persists each
//     move before acting on it; releases.go decides when a release is looked
//     at (its device's writes, time, the sweep).
//   - A command's life: the states are protocol.CommandState; the order they
//     may move in (a state never goes back, the first result wins) is the
//     rank in controller/registry/command_state.go.
//   - Report ordering: an agent's sequence within its epoch, never the
//     phone's clock, in controller/registry/apply_state.go; a report dated
//     too far ahead is refused by ingest (ingest.go, MaxClockSkew).
//   - What is announced and audited for each change: the audit rows and
//     webhook events are written in the same transaction as the change, by
//     the registry (controller/registry/apply_state.go, audit.go,
//     webhooks.go); the live events for consoles are events.go.
//   - Who may do what over HTTP: the route table and its roles,
//     controller/httpapi/routes.go; operators' tokens and roles, operators.go
//     here.
//   - Who may connect to the broker and which topics: controller/broker
//     (deviceauth.go), from protocol's topic builders.
package controller
