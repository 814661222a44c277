package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Audit actions and webhook event of identity conflicts.
const (
	AuditIdentityConflict = "identity.conflict"
	AuditIdentityResolved = "identity.resolved"
	// EventIdentityConflict: two enrolled devices reported the same serial
	// or IMEI; neither can be released until an operator resolves it.
	EventIdentityConflict = "device.identity_conflict"
)

// ErrNoConflict: a resolution names a device without an open identity
// conflict.
var ErrNoConflict = errors.New("no open identity conflict")

// IdentityConflict is two enrolled devices reporting one serial or IMEI.
type IdentityConflict struct {
	ID int64
	// Holder reported the identity first; Claimant reported it later.
	Holder, Claimant string
	// Field is "serial" or "imei"; Value what both reported.
	Field, Value string
	DetectedAt   time.Time
	// ResolvedAt is zero while the conflict is open; Genuine is the device
	// the operator ResolvedBy named the real holder.
	ResolvedAt time.Time
	ResolvedBy string
	Genuine    string
}

// IdentityConflictData is the data of device.identity_conflict events.
type IdentityConflictData struct {
	DeviceID   string `json:"device_id"`
	ConflictID int64  `json:"conflict_id"`
	// HeldBy is the device that reported the identity first.
	HeldBy string `json:"held_by"`
	Field  string `json:"field"`
}

// detectIdentityConflicts records an open conflict with the device (not
// disowned) that first reported the serial or IMEI id carries, unless the
// pair already has one, open or resolved, for that field. Serials compare
// without regard to letter case. Only the first holder is named, so a
// fleet of phones sharing a placeholder serial costs one conflict per
// phone, not one per pair. It reports whether a conflict was new.
func detectIdentityConflicts(ctx context.Context, tx *sql.Tx, deviceID string, id protocol.Identity, at time.Time) (bool, error) {
	fields := []struct{ name, value, match string }{
		{"serial", strings.TrimSpace(id.Serial), `serial != '' AND serial = ? COLLATE NOCASE`},
		{"imei", strings.TrimSpace(id.IMEI), `imei != '' AND imei = ?`},
	}
	found := false
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		others, err := queryAll(ctx, tx, "look for identity conflicts of "+deviceID, func(r rowScanner) (string, error) {
			var s string
			return s, r.Scan(&s)
		}, `SELECT id FROM devices WHERE id != ? AND disowned_at IS NULL AND `+f.match+` ORDER BY first_seen, id LIMIT 1`, deviceID, f.value)
		if err != nil {
			return false, err
		}
		for _, other := range others {
			var known int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM identity_conflicts WHERE field = ?
				AND ((holder = ? AND claimant = ?) OR (holder = ? AND claimant = ?))`,
				f.name, other, deviceID, deviceID, other).Scan(&known); err != nil {
				return false, fmt.Errorf("read identity conflicts of %s: %w", deviceID, err)
			}
			if known > 0 {
				continue
			}
			// RETURNING, not LastInsertId: PostgreSQL's driver has none.
			var cid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO identity_conflicts(holder, claimant, field, value, detected_at) VALUES (?, ?, ?, ?, ?)
				RETURNING id`, other, deviceID, f.name, f.value, formatTime(at)).Scan(&cid); err != nil {
				return false, fmt.Errorf("record identity conflict of %s: %w", deviceID, err)
			}
			for _, d := range []string{other, deviceID} {
				if err := refreshConflicts(ctx, tx, d); err != nil {
					return false, err
				}
				if err := insertAudit(ctx, tx, AuditEntry{At: at, DeviceID: d, Actor: ActorController, Action: AuditIdentityConflict,
					Detail: fmt.Sprintf("conflict %d: %s reports the %s %s first reported by %s; neither may be reset or certified until an operator resolves it",
						cid, deviceID, f.name, f.value, other)}); err != nil {
					return false, err
				}
				if err := emitEvent(ctx, tx, EventIdentityConflict, at, d,
					IdentityConflictData{DeviceID: d, ConflictID: cid, HeldBy: other, Field: f.name}); err != nil {
					return false, err
				}
			}
			found = true
		}
	}
	return found, nil
}

// refreshConflicts rewrites the device's identity_conflict column from its
// open conflicts.
func refreshConflicts(ctx context.Context, tx *sql.Tx, deviceID string) error {
	others, err := queryAll(ctx, tx, "read identity conflicts of "+deviceID, func(r rowScanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `SELECT CASE WHEN holder = ? THEN claimant ELSE holder END FROM identity_conflicts
		WHERE resolved_at IS NULL AND (holder = ? OR claimant = ?)`, deviceID, deviceID, deviceID)
	if err != nil {
		return err
	}
	slices.Sort(others)
	others = slices.Compact(others)
	if _, err := tx.ExecContext(ctx, `UPDATE devices SET identity_conflict = ? WHERE id = ?`, strings.Join(others, ","), deviceID); err != nil {
		return fmt.Errorf("store identity conflicts of %s: %w", deviceID, err)
	}
	return nil
}

// IdentityConflicts lists the device's identity conflicts, open and
// resolved, oldest first.
func (s *Store) IdentityConflicts(ctx context.Context, deviceID string) ([]IdentityConflict, error) {
	return queryAll(ctx, s.r, "identity conflicts of "+deviceID, scanConflict,
		`SELECT id, holder, claimant, field, value, detected_at, resolved_at, resolved_by, genuine FROM identity_conflicts
		WHERE holder = ? OR claimant = ? ORDER BY id`, deviceID, deviceID)
}

func scanConflict(r rowScanner) (IdentityConflict, error) {
	var (
		c        IdentityConflict
		detected string
		resolved sql.NullString
	)
	if err := r.Scan(&c.ID, &c.Holder, &c.Claimant, &c.Field, &c.Value, &detected, &resolved, &c.ResolvedBy, &c.Genuine); err != nil {
		return c, err
	}
	var err error
	if c.DetectedAt, err = parseTime(detected); err != nil {
		return c, err
	}
	c.ResolvedAt, err = parseNullTime(resolved)
	return c, err
}

// ResolveIdentity closes every open identity conflict of genuine, naming it
// the real holder of the identity: each other device of those conflicts is
// disowned (it can never be reset or certified) and returned, so that the
// caller revokes its credentials. Both sides are audited with actor and
// note. ErrNoConflict: genuine has no open conflict.
func (s *Store) ResolveIdentity(ctx context.Context, genuine, actor, note string, now time.Time) (disowned []string, err error) {
	if genuine == "" || actor == "" || !storable(now) {
		return nil, errors.New("resolve identity: device, actor and time are required")
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("resolve identity of %s: %w", genuine, err)
	}
	defer func() { _ = tx.Rollback() }()
	open, err := queryAll(ctx, tx, "identity conflicts of "+genuine, scanConflict,
		`SELECT id, holder, claimant, field, value, detected_at, resolved_at, resolved_by, genuine FROM identity_conflicts
		WHERE resolved_at IS NULL AND (holder = ? OR claimant = ?) ORDER BY id`, genuine, genuine)
	if err != nil {
		return nil, err
	}
	if len(open) == 0 {
		return nil, fmt.Errorf("resolve identity of %s: %w", genuine, ErrNoConflict)
	}
	for _, c := range open {
		other := c.Holder
		if other == genuine {
			other = c.Claimant
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_conflicts SET resolved_at = ?, resolved_by = ?, genuine = ? WHERE id = ?`,
			formatTime(now), actor, genuine, c.ID); err != nil {
			return nil, fmt.Errorf("resolve identity conflict %d: %w", c.ID, err)
		}
		if !slices.Contains(disowned, other) {
			disowned = append(disowned, other)
			if _, err := tx.ExecContext(ctx, `UPDATE devices SET disowned_at = coalesce(disowned_at, ?) WHERE id = ?`, formatTime(now), other); err != nil {
				return nil, fmt.Errorf("disown %s: %w", other, err)
			}
		}
		for _, d := range []string{genuine, other} {
			if err := insertAudit(ctx, tx, AuditEntry{At: now, DeviceID: d, Actor: actor, Action: AuditIdentityResolved, Note: note,
				Detail: fmt.Sprintf("conflict %d over the %s: %s named the genuine phone; %s disowned", c.ID, c.Field, genuine, other)}); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range append([]string{genuine}, disowned...) {
		if err := refreshConflicts(ctx, tx, d); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("resolve identity of %s: commit: %w", genuine, err)
	}
	return disowned, nil
}
