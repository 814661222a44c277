package api

import (
	"time"

	"github.com/unbind/unbind/protocol"
)

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
}

// Device is one phone as the registry knows it.
type Device struct {
	ID string `json:"id"`
	// Identity keeps the last non-empty value of every field ever reported.
	Identity     protocol.Identity `json:"identity"`
	FirstSeen    time.Time         `json:"first_seen"`
	LastSeen     time.Time         `json:"last_seen"`
	Online       bool              `json:"online"`
	AgentVersion string            `json:"agent_version,omitempty"`
	PresenceAt   time.Time         `json:"presence_at,omitzero"`
	// State is the newest report; nil until one arrived.
	State *protocol.Report `json:"state"`
	// Verdict is "" until a state arrived; show it as unknown, never safe.
	Verdict  protocol.Verdict `json:"verdict"`
	StateSeq uint64           `json:"state_seq"`
	StateAt  time.Time        `json:"state_at,omitzero"`
	// ClockOffset is how many seconds the phone's clock was behind the
	// controller's (negative: ahead) when its newest report arrived, network
	// delay included, to the millisecond; absent until a report arrived.
	ClockOffset *float64 `json:"clock_offset,omitempty"`
	// IdentityConflict lists the devices that report this one's serial or
	// IMEI while no operator has named the genuine phone; Disowned is when
	// an operator named another device genuine. Either way the phone is
	// never reset nor certified; IdentityProblem says why in words.
	IdentityConflict []string  `json:"identity_conflict,omitempty"`
	Disowned         time.Time `json:"disowned,omitzero"`
	IdentityProblem  string    `json:"identity_problem,omitempty"`
	// Station is the bench station that reported the phone last, and
	// StationSeenAt when; absent for a phone no station reported (its
	// agent runs on the phone).
	Station       string    `json:"station,omitempty"`
	StationSeenAt time.Time `json:"station_seen_at,omitzero"`
}

// DevicesBody is the body of GET /api/v1/devices.
type DevicesBody struct {
	Devices []Device `json:"devices"`
}

// StateChange is a report that changed a device's verdict, risk kinds, Find
// Device or lost mode.
type StateChange struct {
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

// Command is a command and everything that happened to it.
type Command struct {
	ID          string                `json:"id"`
	DeviceID    string                `json:"device_id"`
	Kind        protocol.CommandKind  `json:"kind"`
	Target      string                `json:"target,omitempty"`
	IssuedAt    time.Time             `json:"issued_at"`
	ExpiresAt   time.Time             `json:"expires_at"`
	State       protocol.CommandState `json:"state"`
	UpdatedAt   time.Time             `json:"updated_at"`
	Transitions []CommandTransition   `json:"transitions"`
}

// CommandTransition is one step reported for a command.
type CommandTransition struct {
	At         time.Time             `json:"at"`
	State      protocol.CommandState `json:"state"`
	Detail     string                `json:"detail,omitempty"`
	ReportedAt time.Time             `json:"reported_at,omitzero"`
	// BootID is the phone's boot the agent named for the step.
	BootID string `json:"boot_id,omitempty"`
}

// CommandsBody is the body of GET /api/v1/devices/{id}/commands.
type CommandsBody struct {
	Commands []Command `json:"commands"`
}

// DeviceDetail is the body of GET /api/v1/devices/{id}.
type DeviceDetail struct {
	Device          Device           `json:"device"`
	StateHistory    []StateChange    `json:"state_history"`
	PresenceHistory []PresenceChange `json:"presence_history"`
	Commands        []Command        `json:"commands"`
}

// CommandRequest is the body of POST /api/v1/devices/{id}/commands.
type CommandRequest struct {
	Kind protocol.CommandKind `json:"kind"`
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

// IngestStats counts what the controller's ingest path did with every
// message since it started.
type IngestStats struct {
	Received uint64 `json:"received"`
	// Superseded state reports were replaced, before they were written, by a
	// newer report of the same device that arrived after them and decoded.
	// A state report is decoded only when it may be written, so one
	// superseded this way was never decoded: a malformed report followed
	// at once by a good one counts here, not in Rejected.
	Superseded uint64 `json:"superseded"`
	// Applied, Stale, Orphans and Skipped say what the registry did with the
	// messages that decoded: written, older than what it had, events for
	// unknown commands, refused by its own checks or failed alone.
	Applied uint64 `json:"applied"`
	Stale   uint64 `json:"stale"`
	Orphans uint64 `json:"orphans"`
	Skipped uint64 `json:"skipped"`
	Batches uint64 `json:"batches"`
	// Rejected messages were not written; by reason: too_large,
	// unknown_version, malformed, invalid, bad_topic, id_mismatch,
	// clock_skew (a report dated more than the controller's MaxClockSkew ahead).
	Rejected map[string]uint64 `json:"rejected"`
	// WriteErrors counts batches the registry failed to write.
	WriteErrors uint64 `json:"write_errors"`
}

// SummaryBody is the body of GET /api/v1/summary.
type SummaryBody struct {
	Registry   Summary     `json:"registry"`
	Ingest     IngestStats `json:"ingest"`
	Enrollment EnrollStats `json:"enrollment"`
}

// EnrollStats counts enrollments refused since the controller started:
// Failed were looked at and refused, Throttled came from an address that had
// failed too often and were refused unread.
type EnrollStats struct {
	Failed    uint64 `json:"failed"`
	Throttled uint64 `json:"throttled"`
}

// TokenRequest is the body of POST /api/v1/enroll/tokens; TTL is a Go
// duration such as "24h" and may be empty.
type TokenRequest struct {
	TTL string `json:"ttl,omitempty"`
	// DeviceID, when set, is the only device ID the token enrolls; with
	// Replace the token may replace that enrolled ID's credentials.
	DeviceID string `json:"device_id,omitempty"`
	Replace  bool   `json:"replace,omitempty"`
	Note     string `json:"note,omitempty"`
}

// RevokeRequest is the body of the revoke routes.
type RevokeRequest struct {
	// Note is free text for the audit trail; the actor is the caller.
	Note string `json:"note,omitempty"`
}

// ResolveIdentityRequest names the device in the path the genuine phone of
// its identity conflicts.
type ResolveIdentityRequest struct {
	// Note is free text for the audit trail; the actor is the caller.
	Note string `json:"note,omitempty"`
}

// ResolveIdentityBody answers a resolution: the devices disowned (their
// credentials revoked; never reset or certified).
type ResolveIdentityBody struct {
	Genuine  string   `json:"genuine"`
	Disowned []string `json:"disowned"`
}

// EnrollmentToken is a one-time token, shown once.
type EnrollmentToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// MonitorRequest is the body of POST /api/v1/monitors.
type MonitorRequest struct {
	Name string `json:"name"`
}

// MonitorCredential is a read-only MQTT login for observers.
type MonitorCredential struct {
	Name      string `json:"name"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	BrokerURL string `json:"broker_url"`
}

// ReleaseRequest is the body of POST /api/v1/releases. Exactly one of
// DeviceIDs, All and Filter selects the phones.
type ReleaseRequest struct {
	DeviceIDs []string `json:"device_ids,omitempty"`
	All       bool     `json:"all,omitempty"`
	// Filter is a comma-separated list of bound, safe, unknown, online,
	// offline, manufacturer=NAME and model=NAME, all of which must hold.
	Filter string `json:"filter,omitempty"`
	// Note is free text for the audit trail. Who runs the release is the
	// authenticated operator, never a field of the request.
	Note           string `json:"note,omitempty"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty"`
	// Restart cancels a phone's running release (unless its reset was
	// already sent) and starts a new one with this request's timeout.
	Restart bool `json:"restart,omitempty"`
	// OnTimeout is what a phone's release does when it cannot finish by
	// its timeout, or meets a lock only someone elsewhere can clear:
	// "fail" (the default) or "hold" (wait on hold, re-checked, and go on
	// the moment the phone shows clean).
	OnTimeout string `json:"on_timeout,omitempty"`
	// DryRun starts nothing: the answer is a DevicesBody listing the phones
	// the request selects, with their current verdicts.
	DryRun bool `json:"dry_run,omitempty"`
}

// CancelReleasesRequest is the body of POST /api/v1/releases/cancel: the
// unfinished releases of DeviceIDs, or of every phone with All.
type CancelReleasesRequest struct {
	DeviceIDs []string `json:"device_ids,omitempty"`
	All       bool     `json:"all,omitempty"`
}

// CanceledRelease is one release a cancel request found: Canceled is false
// when its factory reset had already been sent (never interrupted).
type CanceledRelease struct {
	Release  Release `json:"release"`
	Canceled bool    `json:"canceled"`
}

// CanceledReleasesBody is the answer to a cancel request.
type CanceledReleasesBody struct {
	Releases []CanceledRelease `json:"releases"`
}

// OutcomeReleased is the outcome of a release that ended with a factory reset
// started on a verified-safe phone.
const OutcomeReleased = "released"

// Release is one release of one phone: its stage and, once over, its
// outcome and reason.
type Release struct {
	ID       string `json:"id"`
	DeviceID string `json:"device_id"`
	// BatchID names the releases one request started together.
	BatchID  string `json:"batch_id,omitempty"`
	Operator string `json:"operator"`
	// State is where the release stands: one of ReleaseStates.
	State string `json:"state"`
	Stage string `json:"stage"`
	// Instruction says in plain words what the operator or the person at
	// the phone must do now ("" when nobody needs to do anything).
	Instruction string    `json:"instruction,omitempty"`
	Outcome     string    `json:"outcome,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	CommandID   string    `json:"command_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Deadline    time.Time `json:"deadline"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	// Kept is set, in the answer to a release request, on a release that
	// was already running for the phone and was kept as it was (its own
	// deadline, not the request's timeout); ask with Restart to replace it.
	Kept bool `json:"kept,omitempty"`
	// Evidence is what was seen of the reset, oldest first.
	Evidence []ReleaseEvidence `json:"evidence,omitempty"`
	// OnTimeout is "hold" for a release asked to wait on hold rather than
	// fail; HoldReason says why a held release (stage on_hold) waits, and
	// its Deadline is then the next re-check.
	OnTimeout  string    `json:"on_timeout,omitempty"`
	HoldReason string    `json:"hold_reason,omitempty"`
	HeldSince  time.Time `json:"held_since,omitzero"`
}

// On-timeout choices of a release request.
const (
	OnTimeoutFail = "fail"
	OnTimeoutHold = "hold"
)

// HoldRequest is the body of POST /api/v1/releases/{id}/hold.
type HoldRequest struct {
	// Note says why the release waits (the owner is away...): it becomes
	// the hold's reason, "operator: NOTE".
	Note string `json:"note"`
}

// ReleaseEvidence is one thing seen of a release's reset: reset_screen_opened,
// wipe_started, operator_confirmed (a release is released only on one of
// these two), session_ended or rebooted.
type ReleaseEvidence struct {
	Kind   string    `json:"kind"`
	At     time.Time `json:"at"`
	Source string    `json:"source,omitempty"`
}

// ConfirmReleaseRequest states that the phone of a release waiting for its
// reset shows the first-boot setup screen.
type ConfirmReleaseRequest struct {
	Note string `json:"note,omitempty"`
}

// Finished reports whether the release is over.
func (r Release) Finished() bool { return !r.FinishedAt.IsZero() }

// ReleasesBody is the body of the release routes' answers.
type ReleasesBody struct {
	Releases []Release `json:"releases"`
	// NextCursor, in a page of the release list, continues it
	// (ReleaseQuery.Cursor); empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// AuditEntry is one row of the append-only audit trail.
type AuditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	DeviceID string    `json:"device_id,omitempty"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Detail   string    `json:"detail,omitempty"`
	Note     string    `json:"note,omitempty"`
}

// AuditBody is the body of GET /api/v1/audit and GET /api/v1/devices/{id}/audit.
type AuditBody struct {
	Entries []AuditEntry `json:"entries"`
}

// CertificateRequest is the optional body of POST /api/v1/devices/{id}/certificate.
type CertificateRequest struct {
	// Note is free text for the audit trail; who asks is the authenticated
	// operator.
	Note string `json:"note,omitempty"`
}

// CertificateBody answers the certificate routes. File is the signed JSON
// file exactly as issued: write it out unchanged.
type CertificateBody struct {
	ID        string    `json:"id"`
	DeviceID  string    `json:"device_id"`
	ReleaseID string    `json:"release_id"`
	IssuedAt  time.Time `json:"issued_at"`
	File      string    `json:"file"`
	// Superseded says why the certificate no longer stands: its phone was
	// seen locked after the reset. Empty while it stands.
	Superseded string `json:"superseded,omitempty"`
}

// Roles of operator accounts: each may do what the ones before it may.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
	RoleAdmin    = "admin"
)

// Me answers GET /api/v1/me: who the API token belongs to.
type Me struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// OperatorRequest is the body of POST /api/v1/operators.
type OperatorRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Note string `json:"note,omitempty"`
}

// OperatorToken is a new account's API token, shown once.
type OperatorToken struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Token string `json:"token"`
}

// Operator is an account as listed; its token is never shown again.
type Operator struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// OperatorsBody answers GET /api/v1/operators.
type OperatorsBody struct {
	Operators []Operator `json:"operators"`
}

// NoteRequest is the body of actions that take only a note, such as
// POST /api/v1/operators/{name}/revoke.
type NoteRequest struct {
	Note string `json:"note,omitempty"`
}

// AuditVerification answers GET /api/v1/audit/verify. BrokenID is 0 when
// every chained row verifies.
type AuditVerification struct {
	Rows      int    `json:"rows"`
	Unchained int    `json:"unchained"`
	BrokenID  int64  `json:"broken_id,omitempty"`
	Reason    string `json:"reason,omitempty"`
}
