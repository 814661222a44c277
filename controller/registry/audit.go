package registry

import (
	"context"
	"database/sql"
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
}

// AppendAudit records an entry, typically an operator's action. A zero At
// means now.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = nowUTC()
	}
	tx, err := s.w.BeginTx(ctx, nil)
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
// its audit row are committed together or not at all.
func insertAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	if e.Actor == "" || e.Action == "" {
		return errors.New("append audit: actor and action are required")
	}
	if !storable(e.At) {
		return fmt.Errorf("append audit %s: time out of range", e.Action)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit(at, device_id, actor, action, detail) VALUES (?, ?, ?, ?, ?)`,
		formatTime(e.At), e.DeviceID, e.Actor, e.Action, e.Detail)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	return nil
}

// Audit returns the newest limit entries (all when limit <= 0), oldest
// first, for one device or, with deviceID "", for everything.
func (s *Store) Audit(ctx context.Context, deviceID string, limit int) ([]AuditEntry, error) {
	q := `SELECT id, at, device_id, actor, action, detail FROM audit`
	args := []any{}
	if deviceID != "" {
		q += ` WHERE device_id = ?`
		args = append(args, deviceID)
	}
	q = `SELECT * FROM (` + q + ` ORDER BY id DESC LIMIT ?) ORDER BY id`
	args = append(args, limitArg(limit))
	rows, err := s.r.QueryContext(ctx, q, args...)
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
		if err := rows.Scan(&e.ID, &at, &e.DeviceID, &e.Actor, &e.Action, &e.Detail); err != nil {
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
func commandDetail(id string, kind protocol.CommandKind, from, to CommandState) string {
	d := fmt.Sprintf("command %s %s: %s", id, kind, to)
	if from != "" && !from.advances(to) {
		d += fmt.Sprintf(" (late; state stays %s)", from)
	}
	return d
}
