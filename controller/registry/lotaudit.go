package registry

import (
	"context"
	"fmt"
)

// LotAudit is the audit trail of a lot, oldest first: the lot's own rows
// (created, closed) and every row of its phones except presence and the
// routine refresh commands.
func (s *Store) LotAudit(ctx context.Context, lotID string) ([]AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, device_id, actor, action, detail, note FROM audit
		WHERE (device_id IN (SELECT device_id FROM lot_devices WHERE lot_id = ?1)
				AND action != ?2 AND NOT (action = ?3 AND detail LIKE ?4))
			OR (device_id = '' AND action IN (?5, ?6)
				AND substr(detail, 1, length('lot ' || ?1 || ',')) = 'lot ' || ?1 || ',')
		ORDER BY id`, lotID, AuditPresence, AuditCommand, routineDetail, AuditLotCreated, AuditLotClosed)
	if err != nil {
		return nil, fmt.Errorf("audit of lot %s: %w", lotID, err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var (
			e  AuditEntry
			at string
		)
		if err := rows.Scan(&e.ID, &at, &e.DeviceID, &e.Actor, &e.Action, &e.Detail, &e.Note); err != nil {
			return nil, fmt.Errorf("audit of lot %s: %w", lotID, err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("audit of lot %s: entry %d: %w", lotID, e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit of lot %s: %w", lotID, err)
	}
	return out, nil
}
