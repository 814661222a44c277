package registry

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Tally counts what the registry holds now, for metrics: a handful of
// grouped counts read in one transaction, so a scrape costs a few index or
// table scans whatever the fleet's size.
type Tally struct {
	// Devices counts devices by verdict ("" for no report yet, shown as
	// unknown) and presence.
	Devices map[DeviceKey]int
	// Commands counts commands by kind and current state.
	Commands map[CommandKey]int
	// Releases counts releases by outcome; "" is a release still running.
	Releases map[string]int
	// ReleaseSeconds holds, per outcome, how long each finished release took
	// from its start to its finish.
	ReleaseSeconds map[string][]float64
	// Holds counts the releases on hold by reason (an operator's hold is
	// "operator"); HeldSince is, per reason, when its oldest went on hold.
	Holds     map[string]int
	HeldSince map[string]time.Time
}

// DeviceKey groups devices.
type DeviceKey struct {
	Verdict protocol.Verdict
	Online  bool
}

// CommandKey groups commands.
type CommandKey struct {
	Kind  protocol.CommandKind
	State protocol.CommandState
}

// Tally reads the counts.
func (s *Store) Tally(ctx context.Context) (Tally, error) {
	t := Tally{Devices: map[DeviceKey]int{}, Commands: map[CommandKey]int{}, Releases: map[string]int{}, ReleaseSeconds: map[string][]float64{},
		Holds: map[string]int{}, HeldSince: map[string]time.Time{}}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := scanGroups(ctx, tx, `SELECT coalesce(verdict, ''), online, count(*) FROM devices GROUP BY 1, 2`,
			func(rows *sql.Rows) error {
				var k DeviceKey
				var n int
				if err := rows.Scan(&k.Verdict, &k.Online, &n); err != nil {
					return err
				}
				t.Devices[k] = n
				return nil
			}); err != nil {
			return fmt.Errorf("count devices: %w", err)
		}
		if err := scanGroups(ctx, tx, `SELECT kind, state, count(*) FROM commands GROUP BY 1, 2`,
			func(rows *sql.Rows) error {
				var k CommandKey
				var n int
				if err := rows.Scan(&k.Kind, &k.State, &n); err != nil {
					return err
				}
				t.Commands[k] = n
				return nil
			}); err != nil {
			return fmt.Errorf("count commands: %w", err)
		}
		if err := scanGroups(ctx, tx, `SELECT CASE WHEN finished_at IS NULL THEN '' ELSE outcome END, count(*) FROM releases GROUP BY 1`,
			func(rows *sql.Rows) error {
				var outcome string
				var n int
				if err := rows.Scan(&outcome, &n); err != nil {
					return err
				}
				t.Releases[outcome] += n
				return nil
			}); err != nil {
			return fmt.Errorf("count releases: %w", err)
		}
		if err := scanGroups(ctx, tx, `SELECT CASE WHEN hold_reason LIKE 'operator:%' THEN 'operator' ELSE hold_reason END,
			count(*), min(held_since) FROM releases WHERE finished_at IS NULL AND stage = ? GROUP BY 1`,
			func(rows *sql.Rows) error {
				var reason string
				var n int
				var since sql.NullString
				if err := rows.Scan(&reason, &n, &since); err != nil {
					return err
				}
				t.Holds[reason] = n
				at, err := parseNullTime(since)
				if err != nil {
					return err
				}
				t.HeldSince[reason] = at
				return nil
			}, StageOnHold); err != nil {
			return fmt.Errorf("count holds: %w", err)
		}
		// Stored times are RFC 3339 in UTC, which julianday reads.
		if err := scanGroups(ctx, tx, `SELECT outcome, (julianday(finished_at) - julianday(created_at)) * 86400.0
			FROM releases WHERE finished_at IS NOT NULL`,
			func(rows *sql.Rows) error {
				var outcome string
				var secs sql.NullFloat64
				if err := rows.Scan(&outcome, &secs); err != nil {
					return err
				}
				if secs.Valid {
					t.ReleaseSeconds[outcome] = append(t.ReleaseSeconds[outcome], max(secs.Float64, 0))
				}
				return nil
			}); err != nil {
			return fmt.Errorf("release durations: %w", err)
		}
		return nil
	})
	return t, err
}

func scanGroups(ctx context.Context, tx *sql.Tx, q string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
