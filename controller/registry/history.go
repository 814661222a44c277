package registry

import (
	"context"
	"database/sql"
	"fmt"
)

// StateHistory returns a device's state changes, newest first; limit <= 0
// returns them all.
func (s *Store) StateHistory(ctx context.Context, id string, limit int) ([]StateChange, error) {
	changes := []StateChange{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := deviceExists(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT at, verdict, risk_kinds, find_device, lost_mode, checked_at, seq, catalogue
			FROM state_changes WHERE device_id = ? ORDER BY id DESC LIMIT ?`, id, limitArg(limit))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				c             StateChange
				at, checkedAt string
				kinds         string
				seq           int64
			)
			if err := rows.Scan(&at, &c.Verdict, &kinds, &c.FindDevice, &c.LostMode, &checkedAt, &seq, &c.Catalogue); err != nil {
				return err
			}
			if c.At, err = parseTime(at); err != nil {
				return err
			}
			if c.CheckedAt, err = parseTime(checkedAt); err != nil {
				return err
			}
			c.RiskKinds = splitKinds(kinds)
			c.Seq = uint64(seq)
			changes = append(changes, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("state history of %s: %w", id, err)
	}
	return changes, nil
}

// PresenceHistory returns a device's online/offline transitions, newest
// first; limit <= 0 returns them all.
func (s *Store) PresenceHistory(ctx context.Context, id string, limit int) ([]PresenceChange, error) {
	changes := []PresenceChange{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := deviceExists(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT at, status FROM presence_changes
			WHERE device_id = ? ORDER BY id DESC LIMIT ?`, id, limitArg(limit))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				c  PresenceChange
				at string
			)
			if err := rows.Scan(&at, &c.Status); err != nil {
				return err
			}
			if c.At, err = parseTime(at); err != nil {
				return err
			}
			changes = append(changes, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("presence history of %s: %w", id, err)
	}
	return changes, nil
}

// Commands returns a device's commands, newest first, each with its
// transitions oldest first. An empty deviceID lists every device's commands.
func (s *Store) Commands(ctx context.Context, deviceID string) ([]CommandRecord, error) {
	var cmds []CommandRecord
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if deviceID != "" {
			if err := deviceExists(ctx, tx, deviceID); err != nil {
				return err
			}
		}
		cond := `device_id = ?1`
		if deviceID == "" {
			cond = `?1 = ''`
		}
		var err error
		cmds, err = queryCommands(ctx, tx, cond, deviceID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("commands of %q: %w", deviceID, err)
	}
	return cmds, nil
}

// Command returns one command with its transitions, or an error wrapping
// ErrNotFound.
func (s *Store) Command(ctx context.Context, id string) (CommandRecord, error) {
	var cmds []CommandRecord
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		cmds, err = queryCommands(ctx, tx, `id = ?1`, id)
		return err
	})
	if err != nil {
		return CommandRecord{}, fmt.Errorf("command %s: %w", id, err)
	}
	if len(cmds) == 0 {
		return CommandRecord{}, fmt.Errorf("command %s: %w", id, ErrNotFound)
	}
	return cmds[0], nil
}

// queryCommands loads the commands matching cond (fixed SQL with one
// parameter ?1) and their transitions.
func queryCommands(ctx context.Context, tx *sql.Tx, cond string, arg string) ([]CommandRecord, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, device_id, kind, target, issued_at, expires_at, state, updated_at
		FROM commands WHERE `+cond+` ORDER BY issued_at DESC, rowid DESC`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cmds := []CommandRecord{}
	index := map[string]int{}
	for rows.Next() {
		var (
			c                        CommandRecord
			issued, expires, updated string
		)
		if err := rows.Scan(&c.ID, &c.DeviceID, &c.Kind, &c.Target, &issued, &expires, &c.State, &updated); err != nil {
			return nil, err
		}
		if c.IssuedAt, err = parseTime(issued); err != nil {
			return nil, err
		}
		if c.ExpiresAt, err = parseTime(expires); err != nil {
			return nil, err
		}
		if c.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, err
		}
		c.Transitions = []CommandTransition{}
		index[c.ID] = len(cmds)
		cmds = append(cmds, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cmds) == 0 {
		return cmds, nil
	}
	trows, err := tx.QueryContext(ctx, `SELECT command_id, at, state, detail, reported_at, boot_id FROM command_transitions
		WHERE command_id IN (SELECT id FROM commands WHERE `+cond+`) ORDER BY at, id`, arg)
	if err != nil {
		return nil, err
	}
	defer trows.Close()
	for trows.Next() {
		var (
			id, at   string
			reported sql.NullString
			t        CommandTransition
		)
		if err := trows.Scan(&id, &at, &t.State, &t.Detail, &reported, &t.Boot); err != nil {
			return nil, err
		}
		if t.At, err = parseTime(at); err != nil {
			return nil, err
		}
		if t.ReportedAt, err = parseNullTime(reported); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			cmds[i].Transitions = append(cmds[i].Transitions, t)
		}
	}
	return cmds, trows.Err()
}
