package registry

import (
	"context"
	"fmt"
	"time"
)

// RecentlyReleasedOf lists, of the given devices, those whose newest
// release ended released at or after since: the phones whose next reports
// may show how their reset went. One query however many devices.
func (s *Store) RecentlyReleasedOf(ctx context.Context, devices []string, since time.Time) ([]ReleaseRecord, error) {
	if len(devices) == 0 {
		return nil, nil
	}
	ids, err := idList(devices)
	if err != nil {
		return nil, fmt.Errorf("released phones of %d devices: %w", len(devices), err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+releaseColumns+` FROM releases r
		WHERE device_id IN (SELECT value FROM json_each(?)) AND outcome = ? AND finished_at >= ?
		AND NOT EXISTS (SELECT 1 FROM releases n WHERE n.device_id = r.device_id AND n.created_at > r.created_at)
		ORDER BY created_at, rowid`, ids, OutcomeReleased, formatTime(since))
	if err != nil {
		return nil, fmt.Errorf("released phones of %d devices: %w", len(devices), err)
	}
	defer rows.Close()
	var out []ReleaseRecord
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, fmt.Errorf("released phones of %d devices: %w", len(devices), err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("released phones of %d devices: %w", len(devices), err)
	}
	return out, nil
}

// ReleasesToDecide lists what the release loop decides by time: every
// running release not on hold, and the held ones whose next re-check
// (their deadline) is due at now, oldest first. Held releases that are not
// due are left unread: a report of their phone wakes them by device.
func (s *Store) ReleasesToDecide(ctx context.Context, now time.Time) ([]ReleaseRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+releaseColumns+` FROM releases
			WHERE finished_at IS NULL AND stage <> 'on_hold'
		UNION ALL SELECT `+releaseColumns+` FROM releases
			WHERE finished_at IS NULL AND stage = 'on_hold' AND deadline <= ?
		ORDER BY created_at`, formatTime(now))
	if err != nil {
		return nil, fmt.Errorf("releases to decide: %w", err)
	}
	defer rows.Close()
	out := []ReleaseRecord{}
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, fmt.Errorf("releases to decide: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("releases to decide: %w", err)
	}
	return out, nil
}

// HeldReleases lists the releases on hold, oldest hold first.
func (s *Store) HeldReleases(ctx context.Context) ([]ReleaseRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+releaseColumns+` FROM releases
		WHERE finished_at IS NULL AND stage = 'on_hold' ORDER BY held_since, created_at`)
	if err != nil {
		return nil, fmt.Errorf("releases on hold: %w", err)
	}
	defer rows.Close()
	out := []ReleaseRecord{}
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, fmt.Errorf("releases on hold: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("releases on hold: %w", err)
	}
	return out, nil
}
