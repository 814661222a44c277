// Package cert issues and verifies release certificates: a JSON document
// saying that a phone was checked free of every lock and then factory reset,
// signed with the controller's ed25519 key, and a printable HTML rendering.
//
// The file is an envelope {"document": {...}, "algorithm", "signature"}; the
// signature covers the document's canonical form (keys sorted, no
// whitespace), so the file may be re-indented but not changed.
package cert

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Format names the document layout. Readers refuse formats they do not
// know rather than guess at the meaning of a field.
const Format = "unbind-release-certificate/1"

// Algorithm is the only signature algorithm of Format.
const Algorithm = "ed25519"

// Document is what a certificate states. Times are UTC.
type Document struct {
	Format   string    `json:"format"`
	ID       string    `json:"id"`
	IssuedAt time.Time `json:"issued_at"`
	Device   Device    `json:"device"`
	// Checks are the lock checks that passed on the last verified-safe state
	// before the reset.
	Checks  []Check `json:"checks"`
	Reset   Reset   `json:"reset"`
	Release Release `json:"release"`
	// Evidence is what was seen of the reset, oldest first: the entry of
	// kind wipe_started or operator_confirmed is what the certificate rests
	// on. Absent from certificates issued before evidence was recorded,
	// which still verify (the field is omitted when empty).
	Evidence []Evidence `json:"evidence,omitempty"`
	// Enrollment is the enrollment whose credentials reported the safe
	// state relied on; absent for phones enrolled before it was recorded.
	Enrollment *Enrollment `json:"enrollment,omitempty"`
	// FinalCheck is the agent's own interlock check of the phone right
	// before it started the reset; absent when the agent did not report it
	// (agents before the 2026-12-06 revision), and then the checks rest on
	// the last report received before the reset was sent.
	FinalCheck *FinalCheck `json:"final_check,omitempty"`
	Controller Controller  `json:"controller"`
}

// FinalCheck is the agent's interlock check right before the reset.
type FinalCheck struct {
	// CheckedAt is when the agent read the phone, by the phone's clock;
	// ReceivedAt when the controller heard that the check passed.
	CheckedAt  time.Time `json:"checked_at"`
	ReceivedAt time.Time `json:"received_at"`
	Result     string    `json:"result"`
}

// Enrollment says when the phone's credentials were issued and on whose
// token: the certificate is only as good as that enrollment.
type Enrollment struct {
	// DeviceID is the enrolled ID the credentials were issued to.
	DeviceID string    `json:"device_id,omitempty"`
	At       time.Time `json:"at"`
	// MintedBy is who minted the token ("operator:<name>" or "controller").
	MintedBy string `json:"minted_by"`
	Note     string `json:"note,omitempty"`
	// Replaced is set when this enrollment replaced earlier credentials of
	// the same device ID (a token minted with --replace).
	Replaced bool `json:"replaced,omitempty"`
}

// Device identifies the phone.
type Device struct {
	ID           string `json:"id"`
	Serial       string `json:"serial"`
	IMEI         string `json:"imei,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Brand        string `json:"brand,omitempty"`
	Model        string `json:"model,omitempty"`
	Android      string `json:"android_version,omitempty"`
	VendorOS     string `json:"vendor_os,omitempty"`
	// SerialSource says where the serial was read: "getprop" (the phone's
	// own word) or "adb devices" (the bench host's USB view of it).
	SerialSource string `json:"serial_source,omitempty"`
	// ReportedBy is the enrolled device ID whose agent reported this
	// identity, under the credentials Enrollment names; no other enrolled
	// device reported the same serial or IMEI without an operator naming
	// this one the genuine phone.
	ReportedBy string `json:"reported_by,omitempty"`
}

// Check is one thing verified absent or off.
type Check struct {
	// Name is a risk kind (protocol.RiskKind) or "verdict".
	Name   string `json:"name"`
	Result string `json:"result"`
	// SafeSince is when the phone was first seen in this safe state;
	// CheckedAt is the last check before the reset that still found it.
	SafeSince time.Time `json:"safe_since"`
	CheckedAt time.Time `json:"checked_at"`
}

// Reset is the factory reset that released the phone.
type Reset struct {
	CommandID string    `json:"command_id"`
	IssuedAt  time.Time `json:"issued_at"`
	// CompletedAt is when the controller received the agent's success.
	CompletedAt time.Time `json:"completed_at"`
	// Method is how the agent started the reset, as it reported.
	Method    string `json:"method,omitempty"`
	Succeeded bool   `json:"succeeded"`
}

// Evidence is one thing seen of the reset, as what it is.
type Evidence struct {
	// Kind is reset_screen_opened, wipe_started, operator_confirmed,
	// session_ended or rebooted.
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
	// Source says who or what saw it: "agent: root_broadcast",
	// "agent: sys.powerctl=reboot,recovery", "operator:alice".
	Source string `json:"source,omitempty"`
}

// Rests reports whether a certificate may rest on this kind of evidence.
func (e Evidence) Rests() bool {
	return e.Kind == "wipe_started" || e.Kind == "operator_confirmed" || e.Kind == "seen_clean_after_reset"
}

// Release is the workflow run and who started it.
type Release struct {
	ID         string    `json:"id"`
	Operator   string    `json:"operator"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// Controller identifies the signing key.
type Controller struct {
	KeyFingerprint string `json:"key_fingerprint"`
}

// Fingerprint names a public key the way ssh does: "SHA256:" and the
// unpadded base64 of the key's SHA-256.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}
