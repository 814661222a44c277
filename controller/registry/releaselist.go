package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Where a release stands, as the release list filters it: running (not
// finished, not on hold), on_hold, or the outcome it finished with.
const (
	ReleaseRunning  = "running"
	ReleaseOnHold   = StageOnHold
	OutcomeFailed   = "failed"
	OutcomeCanceled = "canceled"
)

// releaseStateSQL is the condition each state a list may ask for stands
// for; ReleaseState is the same rule applied to one release.
var releaseStateSQL = map[string]string{
	ReleaseRunning:  `finished_at IS NULL AND stage <> 'on_hold'`,
	ReleaseOnHold:   `finished_at IS NULL AND stage = 'on_hold'`,
	OutcomeReleased: `finished_at IS NOT NULL AND outcome = 'released'`,
	OutcomeFailed:   `finished_at IS NOT NULL AND outcome = 'failed'`,
	OutcomeCanceled: `finished_at IS NOT NULL AND outcome = 'canceled'`,
}

// State is where r stands: running, on_hold, or its outcome once finished.
func (r ReleaseRecord) State() string {
	switch {
	case r.Finished():
		return r.Outcome
	case r.Stage == StageOnHold:
		return ReleaseOnHold
	default:
		return ReleaseRunning
	}
}

// ErrBadReleaseState: a release list asked for a state no release has.
var ErrBadReleaseState = errors.New("unknown release state")

// ReleaseCursor is where a page of the release list ended: the list goes on
// with the releases created before it (newest first).
type ReleaseCursor struct {
	CreatedAt time.Time
	ID        string
}

// ReleaseList selects a page of releases, newest first; set fields combine
// with AND.
type ReleaseList struct {
	// State is running, on_hold, released, failed or canceled.
	State    string
	DeviceID string
	// LotID selects the releases of the phones in the lot now.
	LotID   string
	BatchID string
	// Since and Until bound the creation time: Since <= created < Until.
	Since, Until time.Time
	// Limit is the page's size (at least 1).
	Limit int
	// After continues a list where its last page ended.
	After *ReleaseCursor
}

// ListReleases returns a page of the releases q selects, newest first, and
// the cursor of the next page (nil on the last page). An unknown state is
// ErrBadReleaseState.
func (s *Store) ListReleases(ctx context.Context, q ReleaseList) ([]ReleaseRecord, *ReleaseCursor, error) {
	var (
		conds []string
		args  []any
	)
	if q.State != "" {
		cond, ok := releaseStateSQL[q.State]
		if !ok {
			return nil, nil, fmt.Errorf("list releases: state %q: %w", q.State, ErrBadReleaseState)
		}
		conds = append(conds, cond)
	}
	if q.DeviceID != "" {
		conds, args = append(conds, `device_id = ?`), append(args, q.DeviceID)
	}
	if q.LotID != "" {
		conds, args = append(conds, `device_id IN (SELECT device_id FROM lot_devices WHERE lot_id = ?)`), append(args, q.LotID)
	}
	if q.BatchID != "" {
		conds, args = append(conds, `batch_id = ?`), append(args, q.BatchID)
	}
	if !q.Since.IsZero() {
		conds, args = append(conds, `created_at >= ?`), append(args, formatTime(q.Since))
	}
	if !q.Until.IsZero() {
		conds, args = append(conds, `created_at < ?`), append(args, formatTime(q.Until))
	}
	if q.After != nil {
		at := formatTime(q.After.CreatedAt)
		conds, args = append(conds, `(created_at < ? OR (created_at = ? AND id < ?))`), append(args, at, at, q.After.ID)
	}
	limit := max(q.Limit, 1)
	query := `SELECT ` + releaseColumns + ` FROM releases`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	// One more than the page: whether it is there says if a next page is.
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("list releases: %w", err)
	}
	defer rows.Close()
	out := []ReleaseRecord{}
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, nil, fmt.Errorf("list releases: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("list releases: %w", err)
	}
	if len(out) <= limit {
		return out, nil, nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, &ReleaseCursor{CreatedAt: last.CreatedAt, ID: last.ID}, nil
}
