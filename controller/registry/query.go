package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/unbind/unbind/protocol"
)

const deviceColumns = `id, serial, manufacturer, brand, model, android_version, sdk, vendor_os, imei, agent_version,
	first_seen, last_seen, online, presence_at, state_json, verdict, state_seq, state_at, clock_offset_ms,
	identity_conflict, disowned_at, serial_source`

type rowScanner interface{ Scan(dest ...any) error }

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs query and scans every row it returns, in order; what names
// the query in errors. An empty result is an empty slice, not nil.
func queryAll[T any](ctx context.Context, q querier, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func scanDevice(row rowScanner) (Device, error) {
	var (
		d                                       Device
		firstSeen, lastSeen                     string
		presenceAt, stateJSON, verdict, stateAt sql.NullString
		seq, offsetMS                           sql.NullInt64
		conflicts                               string
		disownedAt                              sql.NullString
	)
	id := &d.Identity
	if err := row.Scan(&d.ID, &id.Serial, &id.Manufacturer, &id.Brand, &id.Model, &id.AndroidVersion, &id.SDK,
		&id.VendorOS, &id.IMEI, &d.AgentVersion, &firstSeen, &lastSeen, &d.Online, &presenceAt,
		&stateJSON, &verdict, &seq, &stateAt, &offsetMS, &conflicts, &disownedAt, &id.SerialSource); err != nil {
		return d, err
	}
	var err error
	if conflicts != "" {
		d.ConflictsWith = strings.Split(conflicts, ",")
	}
	if d.DisownedAt, err = parseNullTime(disownedAt); err != nil {
		return d, fmt.Errorf("device %s: %w", d.ID, err)
	}
	if d.FirstSeen, err = parseTime(firstSeen); err != nil {
		return d, fmt.Errorf("device %s: %w", d.ID, err)
	}
	if d.LastSeen, err = parseTime(lastSeen); err != nil {
		return d, fmt.Errorf("device %s: %w", d.ID, err)
	}
	if d.PresenceAt, err = parseNullTime(presenceAt); err != nil {
		return d, fmt.Errorf("device %s: %w", d.ID, err)
	}
	if d.StateAt, err = parseNullTime(stateAt); err != nil {
		return d, fmt.Errorf("device %s: %w", d.ID, err)
	}
	if stateJSON.Valid {
		d.State = new(protocol.Report)
		if err := json.Unmarshal([]byte(stateJSON.String), d.State); err != nil {
			return d, fmt.Errorf("device %s: stored state: %w", d.ID, err)
		}
	}
	d.Verdict = protocol.Verdict(verdict.String)
	d.StateSeq = uint64(seq.Int64)
	if offsetMS.Valid {
		off := time.Duration(offsetMS.Int64) * time.Millisecond
		d.ClockOffset = &off
	}
	return d, nil
}

// where turns a Filter into SQL conditions joined by AND; it only ever
// emits fixed text, never caller input.
func (f Filter) where() string {
	var conds []string
	if f.Bound {
		conds = append(conds, `verdict = 'at_risk'`)
	}
	if f.Safe {
		conds = append(conds, `verdict = 'safe'`)
	}
	if f.Unknown {
		conds = append(conds, `(verdict IS NULL OR verdict = 'unknown')`)
	}
	if f.Online {
		conds = append(conds, `online = 1`)
	}
	if f.Offline {
		conds = append(conds, `online = 0`)
	}
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// Devices lists the devices matching f, ordered by ID.
func (s *Store) Devices(ctx context.Context, f Filter) ([]Device, error) {
	return queryAll(ctx, s.r, "list devices", scanDevice, `SELECT `+deviceColumns+` FROM devices`+f.where()+` ORDER BY id`)
}

// Device returns one device, or an error wrapping ErrNotFound.
func (s *Store) Device(ctx context.Context, id string) (Device, error) {
	d, err := scanDevice(s.r.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, fmt.Errorf("device %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Device{}, fmt.Errorf("read device %s: %w", id, err)
	}
	return d, nil
}

// Summary counts devices by presence and verdict.
func (s *Store) Summary(ctx context.Context) (Summary, error) {
	var (
		sum                   Summary
		safe, atRisk, unknown int
	)
	err := s.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(online), 0),
		count(*) FILTER (WHERE verdict = 'safe'), count(*) FILTER (WHERE verdict = 'at_risk'),
		count(*) FILTER (WHERE verdict = 'unknown'), count(*) FILTER (WHERE verdict IS NULL)
		FROM devices`).Scan(&sum.Total, &sum.Online, &safe, &atRisk, &unknown, &sum.NoState)
	if err != nil {
		return Summary{}, fmt.Errorf("summarise registry: %w", err)
	}
	sum.Offline = sum.Total - sum.Online
	sum.ByVerdict = map[protocol.Verdict]int{
		protocol.VerdictSafe: safe, protocol.VerdictAtRisk: atRisk, protocol.VerdictUnknown: unknown,
	}
	return sum, nil
}

// noLimit is "no limit" as a LIMIT both engines take (PostgreSQL refuses
// SQLite's -1).
const noLimit = math.MaxInt64

// limitArg maps "no limit" (0 or less) to noLimit.
func limitArg(limit int) int {
	if limit <= 0 {
		return noLimit
	}
	return limit
}

// readTx runs fn in one read transaction, so that multi-query reads see one
// snapshot of the database (on PostgreSQL that takes REPEATABLE READ; its
// default gives each statement a snapshot of its own).
func (s *Store) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.engine == enginePostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

func deviceExists(ctx context.Context, tx *sql.Tx, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM devices WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("device %s: %w", id, ErrNotFound)
	}
	return err
}
