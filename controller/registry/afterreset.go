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
