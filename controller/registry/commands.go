package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/unbind/unbind/protocol"
)

// RecordCommand stores a command about to be sent, in state queued. The
// device must already be in the registry.
func (s *Store) RecordCommand(ctx context.Context, cmd protocol.Command, at time.Time) error {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("record command %s: %w", cmd.ID, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := recordCommand(ctx, tx, cmd, at); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record command %s: commit: %w", cmd.ID, err)
	}
	return nil
}

func recordCommand(ctx context.Context, tx *sql.Tx, cmd protocol.Command, at time.Time) error {
	if err := cmd.Validate(); err != nil {
		return fmt.Errorf("record command %s: %w", cmd.ID, err)
	}
	if !storable(at) || !storable(cmd.IssuedAt) || !storable(cmd.ExpiresAt) {
		return fmt.Errorf("record command %s: a time is missing or out of range", cmd.ID)
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM devices WHERE id = ?`, cmd.DeviceID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("record command %s: device %s: %w", cmd.ID, cmd.DeviceID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("record command %s: %w", cmd.ID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO commands(id, device_id, kind, target, issued_at, expires_at, state, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, cmd.ID, cmd.DeviceID, string(cmd.Kind), cmd.Target,
		formatTime(cmd.IssuedAt), formatTime(cmd.ExpiresAt), string(protocol.CommandQueued), formatTime(at))
	if isUniqueViolation(err) {
		return fmt.Errorf("record command %s: %w", cmd.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("record command %s: %w", cmd.ID, err)
	}
	if err := insertTransition(ctx, tx, cmd.ID, CommandTransition{At: at, State: protocol.CommandQueued}); err != nil {
		return err
	}
	return insertAudit(ctx, tx, AuditEntry{At: at, DeviceID: cmd.DeviceID, Actor: ActorController,
		Action: AuditCommand, Detail: commandDetail(cmd.ID, cmd.Kind, "", protocol.CommandQueued)})
}

// SetCommandState records a step the controller took (typically sent). The
// step is always added to the transitions, but the current state only moves
// forward: an agent's answer may already have been stored.
func (s *Store) SetCommandState(ctx context.Context, id string, state protocol.CommandState, at time.Time, detail string) error {
	return s.SetCommandsState(ctx, []string{id}, state, at, detail)
}

// SetCommandsState records the same step for many commands, as
// SetCommandState does, in one transaction.
func (s *Store) SetCommandsState(ctx context.Context, ids []string, state protocol.CommandState, at time.Time, detail string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := checkState(state); err != nil {
		return fmt.Errorf("set command %s: %w", ids[0], err)
	}
	if !storable(at) {
		return fmt.Errorf("set command %s: time is missing or out of range", ids[0])
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("set command %s: %w", ids[0], err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, id := range ids {
		if err := setCommandState(ctx, tx, id, state, at, detail); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set command %s: commit: %w", ids[0], err)
	}
	return nil
}

func setCommandState(ctx context.Context, tx *sql.Tx, id string, state protocol.CommandState, at time.Time, detail string) error {
	var cur, device, kind string
	err := tx.QueryRowContext(ctx, `SELECT state, device_id, kind FROM commands WHERE id = ?`, id).Scan(&cur, &device, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("set command %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("set command %s: %w", id, err)
	}
	if err := advance(ctx, tx, id, protocol.CommandState(cur), CommandTransition{At: at, State: state, Detail: detail}); err != nil {
		return err
	}
	return insertAudit(ctx, tx, AuditEntry{At: at, DeviceID: device, Actor: ActorController, Action: AuditCommand,
		Detail: commandDetail(id, protocol.CommandKind(kind), protocol.CommandState(cur), state)})
}

// applyEvent records an agent's progress on a command. An event for a
// command the registry never recorded (the database was replaced, or the
// command came from elsewhere) is an orphan: counted, not stored.
func applyEvent(ctx context.Context, tx *sql.Tx, u *Update) (outcome, error) {
	e := *u.Event
	// A detail is meant to be free of personal data; one that is not loses
	// its addresses here, before anything stores it.
	e.Detail = protocol.MaskAddresses(e.Detail)
	var owner, cur, kind string
	err := tx.QueryRowContext(ctx, `SELECT device_id, state, kind FROM commands WHERE id = ?`, e.CommandID).Scan(&owner, &cur, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return orphan, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read command %s: %w", e.CommandID, err)
	}
	if owner != u.DeviceID {
		return invalid, nil
	}
	// QoS 1 delivers at least once: the same report twice is one step.
	var dupAt sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT min(at) FROM command_transitions
		WHERE command_id = ? AND state = ? AND detail = ? AND reported_at = ?`,
		e.CommandID, string(e.State), e.Detail, formatTime(e.At)).Scan(&dupAt)
	if err != nil {
		return 0, fmt.Errorf("read transitions of %s: %w", e.CommandID, err)
	}
	if dupAt.Valid {
		return stale, firstArrival(ctx, tx, e, dupAt.String, u.ReceivedAt)
	}
	step := CommandTransition{At: u.ReceivedAt, State: e.State, Detail: e.Detail, ReportedAt: e.At, Boot: e.BootID}
	if err := advance(ctx, tx, e.CommandID, protocol.CommandState(cur), step); err != nil {
		return 0, err
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: u.ReceivedAt, DeviceID: u.DeviceID, Actor: AgentActor(u.DeviceID),
		Action: AuditCommand, Detail: commandDetail(e.CommandID, protocol.CommandKind(kind), protocol.CommandState(cur), e.State)}); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE devices SET last_seen = CASE WHEN last_seen > ?1 THEN last_seen ELSE ?1 END WHERE id = ?2`,
		formatTime(u.ReceivedAt), u.DeviceID)
	if err != nil {
		return 0, fmt.Errorf("touch device %s: %w", u.DeviceID, err)
	}
	return applied, nil
}

// firstArrival dates a step delivered twice by its first arrival: a
// redelivery may reach another controller and be written before the
// original, and the registry must not depend on which write came first.
func firstArrival(ctx context.Context, tx *sql.Tx, e protocol.CommandEvent, storedAt string, receivedAt time.Time) error {
	at := formatTime(receivedAt)
	if at >= storedAt {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE command_transitions SET at = ?
		WHERE command_id = ? AND state = ? AND detail = ? AND reported_at = ?`,
		at, e.CommandID, string(e.State), e.Detail, formatTime(e.At)); err != nil {
		return fmt.Errorf("date transition of command %s: %w", e.CommandID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE commands SET updated_at = ? WHERE id = ? AND state = ? AND updated_at = ?`,
		at, e.CommandID, string(e.State), storedAt); err != nil {
		return fmt.Errorf("date command %s: %w", e.CommandID, err)
	}
	return nil
}

func advance(ctx context.Context, tx *sql.Tx, id string, cur protocol.CommandState, t CommandTransition) error {
	if err := insertTransition(ctx, tx, id, t); err != nil {
		return err
	}
	next, at := t.State, t.At
	if !advances(cur, next) {
		return nil
	}
	// A repeated in_progress moves the time on only when it is newer, so
	// that two controllers writing a command's steps in either order leave
	// it the same.
	if _, err := tx.ExecContext(ctx, `UPDATE commands SET state = ?, updated_at = ? WHERE id = ? AND (state <> ? OR updated_at < ?)`,
		string(next), formatTime(at), id, string(next), formatTime(at)); err != nil {
		return fmt.Errorf("update command %s: %w", id, err)
	}
	return nil
}

func insertTransition(ctx context.Context, tx *sql.Tx, id string, t CommandTransition) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO command_transitions(command_id, at, state, detail, reported_at, boot_id) VALUES (?, ?, ?, ?, ?, ?)`,
		id, formatTime(t.At), string(t.State), t.Detail, nullTime(t.ReportedAt), t.Boot)
	if err != nil {
		return fmt.Errorf("record transition of command %s: %w", id, err)
	}
	return nil
}

// WaitingCommand is a command the controller still has to deliver: queued,
// or sent and not yet acknowledged by the agent.
type WaitingCommand struct {
	CommandRecord
	// LastStep is when anything last happened to it (each delivery adds a
	// step, so resends can be spaced).
	LastStep time.Time
}

// WaitingCommands lists the commands waiting for delivery, oldest first,
// without their transitions. It reads only those rows (through the partial
// index commands_waiting), however many commands were ever issued.
func (s *Store) WaitingCommands(ctx context.Context) ([]WaitingCommand, error) {
	var out []WaitingCommand
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT c.id, c.device_id, c.kind, c.target, c.issued_at, c.expires_at, c.state, c.updated_at,
			coalesce((SELECT max(t.at) FROM command_transitions t WHERE t.command_id = c.id), c.updated_at)
			FROM commands c WHERE c.state IN ('queued', 'sent') ORDER BY c.issued_at, c.rowid`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				w                              WaitingCommand
				issued, expires, updated, last string
			)
			if err := rows.Scan(&w.ID, &w.DeviceID, &w.Kind, &w.Target, &issued, &expires, &w.State, &updated, &last); err != nil {
				return err
			}
			for _, p := range []struct {
				dst *time.Time
				src string
			}{{&w.IssuedAt, issued}, {&w.ExpiresAt, expires}, {&w.UpdatedAt, updated}, {&w.LastStep, last}} {
				if *p.dst, err = parseTime(p.src); err != nil {
					return fmt.Errorf("command %s: %w", w.ID, err)
				}
			}
			out = append(out, w)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("commands waiting for delivery: %w", err)
	}
	return out, nil
}
