package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// FleetQuery selects one page of devices as the console's fleet shows
// them. Every field is optional; set fields combine with AND.
type FleetQuery struct {
	// Status is what a tile shows first: "offline" for a phone that is
	// offline, else the verdict of an online phone: "safe", "at_risk" or
	// "unknown" (no report yet, or a verdict that is neither safe nor at
	// risk). Any other value matches no device.
	Status string
	// Online is "yes" or "no"; any other value does not filter.
	Online string
	// Maker matches the manufacturer exactly, ignoring ASCII case.
	Maker string
	// Release is the state of the device's newest release: "none" (never
	// released), "running" (not finished), or an outcome ("released",
	// "failed", "canceled").
	Release string
	// Search matches a part of the serial or the device ID, ignoring ASCII
	// case.
	Search string
	// NewestFirst orders by first sight, newest first; the default order is
	// by device ID.
	NewestFirst bool
	// Page is 1-based; a page past the last gives the last page. PageSize
	// 0 means every matching device on one page.
	Page, PageSize int
}

// FleetPage is one page of a FleetQuery.
type FleetPage struct {
	Devices []Device
	// Latest holds the newest release of each device of the page that has
	// one, by device ID.
	Latest map[string]ReleaseRecord
	// Matched counts the devices that match, on every page.
	Matched int
	// Page is the page returned: the one asked for, or the last one.
	Page int
}

// latestReleaseOf is the newest release of the device devices.id, as the
// releases list orders them (creation time, then insertion).
const latestReleaseOf = `SELECT %s FROM releases r WHERE r.device_id = devices.id ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1`

// fleetWhere is the query's condition and its arguments. Caller input only
// ever travels as arguments.
func (q FleetQuery) where() (string, []any) {
	var (
		conds []string
		args  []any
	)
	switch q.Status {
	case "":
	case "offline":
		conds = append(conds, `online = 0`)
	case "safe", "at_risk":
		conds, args = append(conds, `online = 1 AND verdict = ?`), append(args, q.Status)
	case "unknown":
		conds = append(conds, `online = 1 AND coalesce(verdict, '') NOT IN ('safe', 'at_risk')`)
	default:
		conds = append(conds, `1 = 0`)
	}
	switch q.Online {
	case "yes":
		conds = append(conds, `online = 1`)
	case "no":
		conds = append(conds, `online = 0`)
	}
	if q.Maker != "" {
		conds, args = append(conds, `manufacturer = ? COLLATE NOCASE`), append(args, q.Maker)
	}
	if q.Search != "" {
		s := strings.ToLower(q.Search)
		conds, args = append(conds, `(instr(lower(serial), ?) > 0 OR instr(lower(id), ?) > 0)`), append(args, s, s)
	}
	if q.Release != "" {
		state := fmt.Sprintf(latestReleaseOf, `CASE WHEN r.finished_at IS NULL THEN 'running' ELSE r.outcome END`)
		conds, args = append(conds, `coalesce((`+state+`), 'none') = ?`), append(args, q.Release)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Fleet reads one page of the devices matching q, the newest release of
// each of them, and how many match in all, in one snapshot. It reads only
// the rows of the page, whatever the fleet's size.
func (s *Store) Fleet(ctx context.Context, q FleetQuery) (FleetPage, error) {
	var p FleetPage
	where, args := q.where()
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM devices`+where, args...).Scan(&p.Matched); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		p.Page, p.Latest = 1, map[string]ReleaseRecord{}
		limit, offset := noLimit, 0
		if q.PageSize > 0 {
			last := max(1, (p.Matched+q.PageSize-1)/q.PageSize)
			p.Page = min(max(q.Page, 1), last)
			limit, offset = q.PageSize, (p.Page-1)*q.PageSize
		}
		order := ` ORDER BY id`
		if q.NewestFirst {
			order = ` ORDER BY first_seen DESC, id`
		}
		devices, err := queryAll(ctx, tx, "read fleet devices", scanDevice, `SELECT `+deviceColumns+` FROM devices`+where+order+` LIMIT ? OFFSET ?`,
			append(args, limit, offset)...)
		if err != nil {
			return err
		}
		p.Devices = devices
		return latestReleases(ctx, tx, devices, p.Latest)
	})
	if err != nil {
		return FleetPage{}, fmt.Errorf("read fleet page: %w", err)
	}
	return p, nil
}

// latestReleases reads the newest release of each device into out.
func latestReleases(ctx context.Context, tx *sql.Tx, devices []Device, out map[string]ReleaseRecord) error {
	if len(devices) == 0 {
		return nil
	}
	ids := make([]string, len(devices))
	for i, d := range devices {
		ids[i] = d.ID
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+releaseColumns+` FROM releases WHERE rowid IN
		(SELECT (SELECT r.rowid FROM releases r WHERE r.device_id = ids.value ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1)
		FROM json_each(?) ids)`, string(list))
	if err != nil {
		return fmt.Errorf("newest releases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return fmt.Errorf("newest releases: %w", err)
		}
		out[r.DeviceID] = r
	}
	return rows.Err()
}
