package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Audit actions of stations.
const (
	// AuditStationLot is an operator setting (or clearing) a station's lot.
	AuditStationLot = "station.lot_set"
	// AuditLotJoinRefused is a phone that a station's lot did not take
	// (closed or unknown lot), written once per phone and lot.
	AuditLotJoinRefused = "lot.join_refused"
)

// StationActor is the actor of what a bench station did by itself: a
// phone joining the station's lot.
func StationActor(name string) string { return "station:" + name }

// ErrNoSuchLot: a station was to be set to a lot that does not exist.
var ErrNoSuchLot = errors.New("no such lot")

// Station is a bench PC whose agents reach phones over USB.
type Station struct {
	Name string
	// Lot is the lot an operator set the station to, "" when none;
	// LotSetBy and LotSetAt say who and when (also for a clearing).
	Lot      string
	LotSetBy string
	LotSetAt time.Time
	// AgentLot is the lot the station's newest report named (its agent's
	// --lot), "" when none.
	AgentLot   string
	LastSeenAt time.Time
	// Phones is how many phones this station reported last (read, never
	// stored).
	Phones int
}

// EffectiveLot is the lot phones in no lot join at this station: the
// operator's choice, else the agent's --lot; "" when neither.
func (s Station) EffectiveLot() string {
	if s.Lot != "" {
		return s.Lot
	}
	return s.AgentLot
}

// applyStation records which station reported u's phone and, when the
// station is set to a lot and the phone is in none, joins it to that lot:
// audited like a scan join, by the station. A closed or unknown lot
// refuses the join; that is logged and audited once per phone and lot, and
// the report itself is stored as any other. joined says a phone joined.
func (s *Store) applyStation(ctx context.Context, tx *sql.Tx, u *Update) (joined bool, err error) {
	st := u.State.Station
	if st == nil {
		return false, nil
	}
	at := formatTime(u.ReceivedAt)
	if _, err := tx.ExecContext(ctx, `INSERT INTO stations(name, agent_lot, last_seen_at) VALUES (?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET agent_lot = excluded.agent_lot,
			last_seen_at = CASE WHEN excluded.last_seen_at > stations.last_seen_at THEN excluded.last_seen_at ELSE stations.last_seen_at END`,
		st.Name, st.Lot, at); err != nil {
		return false, fmt.Errorf("record station %s: %w", st.Name, err)
	}
	// A phone moved to another station starts with no refusal noted there.
	if _, err := tx.ExecContext(ctx, `INSERT INTO station_devices(device_id, station, seen_at) VALUES (?, ?, ?)
		ON CONFLICT(device_id) DO UPDATE SET station = excluded.station, seen_at = excluded.seen_at,
			refused_lot = CASE WHEN station_devices.station = excluded.station THEN station_devices.refused_lot ELSE '' END`,
		u.DeviceID, st.Name, at); err != nil {
		return false, fmt.Errorf("record station of %s: %w", u.DeviceID, err)
	}
	var chosen, refused string
	var inLot sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT s.lot, d.refused_lot, (SELECT lot_id FROM lot_devices WHERE device_id = d.device_id)
		FROM stations s JOIN station_devices d ON d.station = s.name WHERE d.device_id = ?`, u.DeviceID).Scan(&chosen, &refused, &inLot); err != nil {
		return false, fmt.Errorf("read station of %s: %w", u.DeviceID, err)
	}
	lot := chosen
	if lot == "" {
		lot = st.Lot
	}
	if lot == "" || inLot.Valid {
		return false, nil
	}
	actor := StationActor(st.Name)
	if err := lotOpen(ctx, tx, lot); err != nil {
		if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrLotClosed) {
			return false, fmt.Errorf("station %s: lot %s: %w", st.Name, lot, err)
		}
		if refused == lot {
			return false, nil
		}
		reason := "closed"
		if errors.Is(err, ErrNotFound) {
			reason = "unknown"
		}
		s.log.Warn("station's lot refused a phone", logDevice, u.DeviceID, "station", st.Name, "lot", lot, "reason", reason)
		if _, err := tx.ExecContext(ctx, `UPDATE station_devices SET refused_lot = ? WHERE device_id = ?`, lot, u.DeviceID); err != nil {
			return false, fmt.Errorf("record refusal of %s: %w", u.DeviceID, err)
		}
		return false, insertAudit(ctx, tx, AuditEntry{At: u.ReceivedAt, DeviceID: u.DeviceID, Actor: actor,
			Action: AuditLotJoinRefused, Detail: fmt.Sprintf("lot %s: %s lot", lot, reason), Note: "at station " + st.Name})
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO lot_devices(device_id, lot_id, joined_at, joined_by) VALUES (?, ?, ?, ?)`,
		u.DeviceID, lot, at, actor); err != nil {
		return false, fmt.Errorf("join %s to lot %s: %w", u.DeviceID, lot, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE station_devices SET refused_lot = '' WHERE device_id = ?`, u.DeviceID); err != nil {
		return false, fmt.Errorf("join %s to lot %s: %w", u.DeviceID, lot, err)
	}
	return true, insertAudit(ctx, tx, AuditEntry{At: u.ReceivedAt, DeviceID: u.DeviceID, Actor: actor,
		Action: AuditLotJoined, Detail: "lot " + lot, Note: "at station " + st.Name})
}

const stationColumns = `s.name, s.lot, s.lot_set_by, s.lot_set_at, s.agent_lot, s.last_seen_at,
	(SELECT count(*) FROM station_devices d WHERE d.station = s.name)`

func scanStation(row rowScanner) (Station, error) {
	var (
		st       Station
		setAt    sql.NullString
		lastSeen string
	)
	if err := row.Scan(&st.Name, &st.Lot, &st.LotSetBy, &setAt, &st.AgentLot, &lastSeen, &st.Phones); err != nil {
		return Station{}, err
	}
	var err error
	if st.LotSetAt, err = parseNullTime(setAt); err != nil {
		return Station{}, err
	}
	st.LastSeenAt, err = parseTime(lastSeen)
	return st, err
}

// Stations lists every station that ever reported, by name.
func (s *Store) Stations(ctx context.Context) ([]Station, error) {
	return queryAll(ctx, s.r, "list stations", scanStation, `SELECT `+stationColumns+` FROM stations s ORDER BY s.name`)
}

// Station returns one station; ErrNotFound when none reported by that name.
func (s *Store) Station(ctx context.Context, name string) (Station, error) {
	st, err := scanStation(s.r.QueryRowContext(ctx, `SELECT `+stationColumns+` FROM stations s WHERE s.name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Station{}, fmt.Errorf("station %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Station{}, fmt.Errorf("station %s: %w", name, err)
	}
	return st, nil
}

// SetStationLot sets the lot phones in no lot join at a station, over its
// agents' --lot; "" clears the choice (the agents' --lot applies again).
// ErrNotFound when no station reported by that name; ErrNoSuchLot or
// ErrLotClosed when the lot cannot take phones.
func (s *Store) SetStationLot(ctx context.Context, name, lot string, at time.Time, actor, note string) error {
	if name == "" || actor == "" || !storable(at) {
		return errors.New("set station lot: station, actor and time are required")
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("set lot of station %s: %w", name, err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM stations WHERE name = ?`, name).Scan(&n); err != nil {
		return fmt.Errorf("set lot of station %s: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("station %s: %w", name, ErrNotFound)
	}
	detail := fmt.Sprintf("station %s: lot %s", name, lot)
	if lot == "" {
		detail = fmt.Sprintf("station %s: no lot chosen (its agents' --lot applies)", name)
	} else if err := lotOpen(ctx, tx, lot); errors.Is(err, ErrNotFound) {
		return fmt.Errorf("set lot of station %s: lot %s: %w", name, lot, ErrNoSuchLot)
	} else if err != nil {
		return fmt.Errorf("set lot of station %s: lot %s: %w", name, lot, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stations SET lot = ?, lot_set_by = ?, lot_set_at = ? WHERE name = ?`,
		lot, actor, formatTime(at), name); err != nil {
		return fmt.Errorf("set lot of station %s: %w", name, err)
	}
	// Phones refused by the old lot are judged again under the new one.
	if _, err := tx.ExecContext(ctx, `UPDATE station_devices SET refused_lot = '' WHERE station = ?`, name); err != nil {
		return fmt.Errorf("set lot of station %s: %w", name, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: at, Actor: actor, Action: AuditStationLot, Detail: detail, Note: note}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set lot of station %s: commit: %w", name, err)
	}
	return nil
}

// StationPhones lists the phones a station reported last, the most
// recently seen first, at most limit of them.
func (s *Store) StationPhones(ctx context.Context, name string, limit int) ([]string, error) {
	return queryAll(ctx, s.r, "phones of station "+name, func(r rowScanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT device_id FROM station_devices WHERE station = ? ORDER BY seen_at DESC, device_id LIMIT ?`, name, limit)
}

// StationSeen is the station that last reported a phone, and when.
type StationSeen struct {
	Station string
	SeenAt  time.Time
}

// DeviceStations maps every phone a station reported to the station that
// reported it last.
func (s *Store) DeviceStations(ctx context.Context) (map[string]StationSeen, error) {
	return deviceStations(ctx, s.r, `SELECT device_id, station, seen_at FROM station_devices`)
}

// DeviceStation is the station that last reported one phone; ok is false
// for a phone no station reported.
func (s *Store) DeviceStation(ctx context.Context, deviceID string) (seen StationSeen, ok bool, err error) {
	m, err := deviceStations(ctx, s.r, `SELECT device_id, station, seen_at FROM station_devices WHERE device_id = ?`, deviceID)
	seen, ok = m[deviceID]
	return seen, ok, err
}

func deviceStations(ctx context.Context, q querier, query string, args ...any) (map[string]StationSeen, error) {
	type row struct {
		id   string
		seen StationSeen
	}
	rows, err := queryAll(ctx, q, "stations of phones", func(r rowScanner) (row, error) {
		var (
			x  row
			at string
		)
		if err := r.Scan(&x.id, &x.seen.Station, &at); err != nil {
			return x, err
		}
		var err error
		x.seen.SeenAt, err = parseTime(at)
		return x, err
	}, query, args...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]StationSeen, len(rows))
	for _, x := range rows {
		out[x.id] = x.seen
	}
	return out, nil
}
