package registry

import (
	"context"
	"database/sql"
	"fmt"
)

// NoRelease is the release state of a phone never released, beside those
// of ReleaseRecord.State (running, on_hold, or the outcome).
const NoRelease = "none"

// LotReleaseStates are every release state a lot's phone can be in, in
// the order metrics list them.
var LotReleaseStates = []string{NoRelease, ReleaseRunning, ReleaseOnHold, OutcomeReleased, OutcomeFailed, OutcomeCanceled}

// LotState groups the phones of a lot by the state of their newest
// release: NoRelease, or ReleaseRecord.State of it.
type LotState struct {
	Lot, State string
}

// OpenLotPhones counts the phones of every open lot by the state of their
// newest release, for metrics, and lists the open lots (one with no phone
// yet has no count). Closed lots are left out, so that the number of
// series follows the lots on the benches now, not every lot ever opened.
func (s *Store) OpenLotPhones(ctx context.Context) (counts map[LotState]int, openLots []string, err error) {
	counts = map[LotState]int{}
	err = s.readTx(ctx, func(tx *sql.Tx) error {
		if err := scanGroups(ctx, tx, `SELECT id FROM lots WHERE state = ? ORDER BY id`, func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			openLots = append(openLots, id)
			return nil
		}, LotOpen); err != nil {
			return err
		}
		// The same rule as ReleaseRecord.State, in SQL.
		return scanGroups(ctx, tx, `SELECT d.lot_id, CASE WHEN r.id IS NULL THEN ? WHEN r.finished_at IS NOT NULL THEN r.outcome
				WHEN r.stage = ? THEN ? ELSE ? END, count(*)
			FROM lot_devices d JOIN lots l ON l.id = d.lot_id AND l.state = ?
			LEFT JOIN releases r ON r.id = (SELECT id FROM releases WHERE device_id = d.device_id ORDER BY created_at DESC LIMIT 1)
			GROUP BY 1, 2`, func(rows *sql.Rows) error {
			var k LotState
			var n int
			if err := rows.Scan(&k.Lot, &k.State, &n); err != nil {
				return err
			}
			counts[k] += n
			return nil
		}, NoRelease, StageOnHold, ReleaseOnHold, ReleaseRunning, LotOpen)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("count phones of open lots: %w", err)
	}
	return counts, openLots, nil
}
