package registry

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Audit actions the registry writes itself. Callers recording operator
// actions choose their own action names (for example "release.requested").
const (
	// AuditStateChanged: the verdict, the set of risk kinds, Find Device or
	// lost mode changed. The detail names kinds and verdicts only.
	AuditStateChanged = "state.changed"
	// AuditPresence: the device went online or offline.
	AuditPresence = "presence"
	// AuditCommand: a command was recorded or its state moved.
	AuditCommand = "command"
	// AuditReleaseCreated and AuditReleaseChanged follow the releases table.
	AuditReleaseCreated = "release.created"
	AuditReleaseChanged = "release.changed"
)

// ActorController is the actor of steps the controller took on its own.
const ActorController = "controller"

// AgentActor is the actor of steps a device's agent reported.
func AgentActor(deviceID string) string { return "agent:" + deviceID }

// OperatorActor is the actor of steps a person asked for.
func OperatorActor(name string) string { return "operator:" + name }

// AuditEntry is one row of the append-only audit trail. Rows never carry
// account names: state changes are described by verdicts and risk kinds.
type AuditEntry struct {
	// ID orders entries; it is assigned by AppendAudit.
	ID int64
	At time.Time
	// DeviceID is "" for entries about no single device.
	DeviceID string
	// Actor is "controller", "agent:<device>" or "operator:<name>".
	Actor  string
	Action string
	Detail string
	// Note is what the operator wrote along with the action (--note); it
	// never names who acted.
	Note string
}

// AppendAudit records an entry, typically an operator's action. A zero At
// means now.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = nowUTC()
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := insertAudit(ctx, tx, e); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append audit %s: commit: %w", e.Action, err)
	}
	return nil
}

// insertAudit adds e inside a caller's transaction, so that a change and
// its audit row are committed together or not at all. The row is chained to
// the one before it: it stores that row's hash and its own (auditHash). All
// writes go through the one write connection, so reading the last row and
// inserting the next cannot interleave with another writer.
func insertAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	if e.Actor == "" || e.Action == "" {
		return errors.New("append audit: actor and action are required")
	}
	if !storable(e.At) {
		return fmt.Errorf("append audit %s: time out of range", e.Action)
	}
	var (
		lastID   int64
		prevHash string
	)
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&lastID, &prevHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("append audit %s: read last row: %w", e.Action, err)
	}
	e.ID = lastID + 1
	at := formatTime(e.At)
	hash := auditHash(e.ID, at, e, prevHash)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit(id, at, device_id, actor, action, detail, note, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, at, e.DeviceID, e.Actor, e.Action, e.Detail, e.Note, prevHash, hash)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	return nil
}

// auditHash is the hex SHA-256 of a row's content as stored (at is the
// stored time text) and the hash of the row before it, in an unambiguous
// encoding (a JSON array of the fields).
func auditHash(id int64, at string, e AuditEntry, prevHash string) string {
	b, _ := json.Marshal([]any{id, at, e.DeviceID, e.Actor, e.Action, e.Detail, e.Note, prevHash}) // strings and an int: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AuditVerification is what VerifyAudit found.
type AuditVerification struct {
	// Rows is how many rows were read; Unchained how many of them, at the
	// start of the trail, predate the hash chain (schema 4).
	Rows, Unchained int
	// BrokenID is the first row that does not verify (0: the chain holds),
	// and Reason says how it is broken.
	BrokenID int64
	Reason   string
}

// VerifyAudit reads the whole trail in order and checks each row's hash and
// its link to the row before. A row changed in the file fails its own hash;
// a row removed or inserted breaks the link of the row after it. Removing
// the newest rows cannot be seen from the trail alone.
func (s *Store) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, device_id, actor, action, detail, note, prev_hash, hash FROM audit ORDER BY id`)
	if err != nil {
		return AuditVerification{}, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	var (
		v        AuditVerification
		prev     string
		prevID   int64
		chaining bool
	)
	for rows.Next() {
		var (
			e              AuditEntry
			at, link, hash string
		)
		if err := rows.Scan(&e.ID, &at, &e.DeviceID, &e.Actor, &e.Action, &e.Detail, &e.Note, &link, &hash); err != nil {
			return v, fmt.Errorf("verify audit: %w", err)
		}
		v.Rows++
		switch {
		case hash == "" && !chaining:
			v.Unchained++
		case hash == "":
			v.BrokenID, v.Reason = e.ID, "the row has no hash but follows chained rows"
		case link != prev:
			v.BrokenID, v.Reason = e.ID, fmt.Sprintf("the row does not follow row %d: a row before it was removed, inserted or changed", prevID)
		case auditHash(e.ID, at, e, link) != hash:
			v.BrokenID, v.Reason = e.ID, "the row's content does not match its hash: it was changed"
		}
		if v.BrokenID != 0 {
			return v, nil
		}
		if hash != "" {
			chaining = true
		}
		prev, prevID = hash, e.ID
	}
	if err := rows.Err(); err != nil {
		return v, fmt.Errorf("verify audit: %w", err)
	}
	return v, nil
}

// Audit returns the newest limit entries (all when limit <= 0), oldest
// first, for one device or, with deviceID "", for everything.
func (s *Store) Audit(ctx context.Context, deviceID string, limit int) ([]AuditEntry, error) {
	return s.AuditRows(ctx, AuditQuery{DeviceID: deviceID, Limit: limit})
}

// AuditQuery selects rows of the audit trail.
type AuditQuery struct {
	// DeviceID is the device; "" means every row.
	DeviceID string
	// Limit keeps the newest rows (0: all) of those selected.
	Limit int
	// HideRoutine leaves out the steps of refresh commands, which the
	// controller sends all the time; the rows stay in the trail.
	HideRoutine bool
}

// routineDetail matches the detail of a refresh command's steps
// (commandDetail).
var routineDetail = "command % " + string(protocol.CommandRefresh) + ":%"

// AuditRows returns the newest q.Limit entries that q selects, oldest first.
func (s *Store) AuditRows(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	deviceID, limit := q.DeviceID, q.Limit
	query := `SELECT id, at, device_id, actor, action, detail, note FROM audit WHERE 1 = 1`
	args := []any{}
	if deviceID != "" {
		query += ` AND device_id = ?`
		args = append(args, deviceID)
	}
	if q.HideRoutine {
		query += ` AND NOT (action = ? AND detail LIKE ?)`
		args = append(args, AuditCommand, routineDetail)
	}
	query = `SELECT * FROM (` + query + ` ORDER BY id DESC LIMIT ?) AS newest ORDER BY id`
	args = append(args, limitArg(limit))
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var (
			e  AuditEntry
			at string
		)
		if err := rows.Scan(&e.ID, &at, &e.DeviceID, &e.Actor, &e.Action, &e.Detail, &e.Note); err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("read audit entry %d: %w", e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	return out, nil
}

// stateDetail describes a state change by verdict and risk kinds only: the
// evidence and account fields of a report never reach the audit trail.
func stateDetail(k stateKey, checkedAt time.Time) string {
	kinds := k.riskKinds
	if kinds == "" {
		kinds = "none"
	}
	return fmt.Sprintf("verdict %s; risks %s; find_device %s; lost_mode %s; checked_at %s",
		k.verdict, kinds, k.findDevice, k.lostMode, checkedAt.UTC().Format(time.RFC3339))
}

// commandDetail describes one command step. The agent's free-text detail
// is left out (it stays in the command's transitions); a step that arrives
// after the command ended is marked as not changing it.
func commandDetail(id string, kind protocol.CommandKind, from, to protocol.CommandState) string {
	d := fmt.Sprintf("command %s %s: %s", id, kind, to)
	if from != "" && !advances(from, to) {
		d += fmt.Sprintf(" (late; state stays %s)", from)
	}
	return d
}
