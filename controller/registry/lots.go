package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Audit actions of lots.
const (
	AuditLotCreated = "lot.created"
	AuditLotClosed  = "lot.closed"
	// AuditLotJoined is written once per phone that joined, on that phone.
	AuditLotJoined = "lot.joined"
)

// Lot states.
const (
	LotOpen   = "open"
	LotClosed = "closed"
)

// Errors of lots, for callers that branch.
var (
	// ErrLotClosed: the lot is closed and takes no more phones.
	ErrLotClosed = errors.New("lot is closed")
	// ErrJoinRefused: at least one code of a join names no phone, more than
	// one phone, or a phone already in another lot. Nothing joined.
	ErrJoinRefused = errors.New("join refused")
)

// Lot is a batch of phones under one customer and reference.
type Lot struct {
	ID        string
	Customer  string
	Reference string
	// State is LotOpen or LotClosed.
	State     string
	CreatedAt time.Time
	CreatedBy string
	ClosedAt  time.Time
	ClosedBy  string
	// Devices is how many phones are in the lot (read, never stored).
	Devices int
}

// LotMember is one phone of a lot with what identifies it on a label.
type LotMember struct {
	DeviceID     string
	LotID        string
	Serial       string
	IMEI         string
	Manufacturer string
	Brand        string
	Model        string
	Verdict      string
	// RiskKinds are the kinds of the phone's current risks, comma-separated.
	RiskKinds string
	JoinedAt  time.Time
	JoinedBy  string
	// The phone's newest release ("" when none): its ID, stage, outcome
	// and when it finished (zero while it runs).
	ReleaseID, ReleaseStage, ReleaseOutcome string
	ReleaseFinishedAt                       time.Time
	// CertificateID is the phone's newest certificate, "" when none.
	CertificateID string
}

// CodeProblem says why one code of a join was refused.
type CodeProblem struct {
	Code   string
	Reason string
}

// JoinError lists every refused code of a join; it wraps ErrJoinRefused.
type JoinError struct {
	Lot      string
	Problems []CodeProblem
}

func (e *JoinError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, fmt.Sprintf("%q: %s", p.Code, p.Reason))
	}
	return fmt.Sprintf("join lot %s: nothing joined: %s", e.Lot, strings.Join(parts, "; "))
}

func (e *JoinError) Unwrap() error { return ErrJoinRefused }

// AddLot stores a new open lot; ErrExists when the ID is taken.
func (s *Store) AddLot(ctx context.Context, l Lot, actor, note string) error {
	if l.ID == "" || l.Customer == "" || actor == "" || !storable(l.CreatedAt) {
		return errors.New("add lot: ID, customer, creator and time are required")
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("add lot %s: %w", l.ID, err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `INSERT INTO lots(id, customer, reference, state, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
		l.ID, l.Customer, l.Reference, LotOpen, formatTime(l.CreatedAt), actor)
	if err != nil {
		return fmt.Errorf("add lot %s: %w", l.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("add lot %s: %w", l.ID, ErrExists)
	}
	detail := fmt.Sprintf("lot %s, customer %s", l.ID, l.Customer)
	if l.Reference != "" {
		detail += ", reference " + l.Reference
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: l.CreatedAt, Actor: actor, Action: AuditLotCreated, Detail: detail, Note: note}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add lot %s: commit: %w", l.ID, err)
	}
	return nil
}

// CloseLot closes an open lot; ErrNotFound when there is no such lot,
// ErrLotClosed when it is closed already.
func (s *Store) CloseLot(ctx context.Context, id string, at time.Time, actor, note string) error {
	if id == "" || actor == "" || !storable(at) {
		return errors.New("close lot: ID, actor and time are required")
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("close lot %s: %w", id, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := lotOpen(ctx, tx, id); err != nil {
		return fmt.Errorf("close lot %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE lots SET state = ?, closed_at = ?, closed_by = ? WHERE id = ?`,
		LotClosed, formatTime(at), actor, id); err != nil {
		return fmt.Errorf("close lot %s: %w", id, err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM lot_devices WHERE lot_id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("close lot %s: %w", id, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: at, Actor: actor, Action: AuditLotClosed,
		Detail: fmt.Sprintf("lot %s, %d phones", id, n), Note: note}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("close lot %s: commit: %w", id, err)
	}
	return nil
}

// lotOpen is nil when lot id exists and is open.
func lotOpen(ctx context.Context, tx *sql.Tx, id string) error {
	var state string
	err := tx.QueryRowContext(ctx, `SELECT state FROM lots WHERE id = ?`, id).Scan(&state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	case state != LotOpen:
		return ErrLotClosed
	}
	return nil
}

// JoinLot adds the phones that codes name (device ID, serial, IMEI or
// certificate ID) to an open lot, all or none: a code that names no phone,
// several phones, or a phone in another lot refuses the whole join with a
// *JoinError. A phone already in this lot stays as it was. It returns the
// device IDs in the order of codes.
func (s *Store) JoinLot(ctx context.Context, lotID string, codes []string, at time.Time, actor, note string) ([]string, error) {
	if lotID == "" || len(codes) == 0 || actor == "" || !storable(at) {
		return nil, errors.New("join lot: lot, codes, actor and time are required")
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("join lot %s: %w", lotID, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := lotOpen(ctx, tx, lotID); err != nil {
		return nil, fmt.Errorf("join lot %s: %w", lotID, err)
	}
	jerr := &JoinError{Lot: lotID}
	ids := make([]string, 0, len(codes))
	for _, code := range codes {
		matches, err := findDevices(ctx, tx, code)
		if err != nil {
			return nil, fmt.Errorf("join lot %s: %w", lotID, err)
		}
		switch len(matches) {
		case 0:
			jerr.Problems = append(jerr.Problems, CodeProblem{code, "no phone has this ID, serial, IMEI or certificate"})
			continue
		case 1:
		default:
			jerr.Problems = append(jerr.Problems, CodeProblem{code, fmt.Sprintf("%d phones match: use the device ID", len(matches))})
			continue
		}
		var current string
		err = tx.QueryRowContext(ctx, `SELECT lot_id FROM lot_devices WHERE device_id = ?`, matches[0]).Scan(&current)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("join lot %s: %w", lotID, err)
		case current != lotID:
			jerr.Problems = append(jerr.Problems, CodeProblem{code, "the phone is in lot " + current})
			continue
		}
		ids = append(ids, matches[0])
	}
	if len(jerr.Problems) > 0 {
		return nil, jerr
	}
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `INSERT INTO lot_devices(device_id, lot_id, joined_at, joined_by) VALUES (?, ?, ?, ?)
			ON CONFLICT(device_id) DO NOTHING`, id, lotID, formatTime(at), actor)
		if err != nil {
			return nil, fmt.Errorf("join lot %s: device %s: %w", lotID, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // already in this lot, or named twice
		}
		if err := insertAudit(ctx, tx, AuditEntry{At: at, DeviceID: id, Actor: actor, Action: AuditLotJoined,
			Detail: "lot " + lotID, Note: note}); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("join lot %s: commit: %w", lotID, err)
	}
	return ids, nil
}

// FindDevices returns the IDs of the phones that code names: as a device
// ID, a serial, an IMEI or a certificate ID. Several phones can share a
// serial or an IMEI (a broken build, a second enrollment).
func (s *Store) FindDevices(ctx context.Context, code string) ([]string, error) {
	return findDevices(ctx, s.r, code)
}

func findDevices(ctx context.Context, q querier, code string) ([]string, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return []string{}, nil
	}
	return queryAll(ctx, q, "find device "+code, func(r rowScanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM devices WHERE id = ?1 OR (serial != '' AND serial = ?1) OR (imei != '' AND imei = ?1)
		UNION SELECT device_id FROM certificates WHERE id = ?1 ORDER BY 1`, code)
}

const lotColumns = `l.id, l.customer, l.reference, l.state, l.created_at, l.created_by, l.closed_at, l.closed_by,
	(SELECT count(*) FROM lot_devices d WHERE d.lot_id = l.id)`

func scanLot(row rowScanner) (Lot, error) {
	var (
		l       Lot
		created string
		closed  sql.NullString
	)
	if err := row.Scan(&l.ID, &l.Customer, &l.Reference, &l.State, &created, &l.CreatedBy, &closed, &l.ClosedBy, &l.Devices); err != nil {
		return Lot{}, err
	}
	var err error
	if l.CreatedAt, err = parseTime(created); err != nil {
		return Lot{}, err
	}
	if l.ClosedAt, err = parseNullTime(closed); err != nil {
		return Lot{}, err
	}
	return l, nil
}

// Lots lists every lot, newest first.
func (s *Store) Lots(ctx context.Context) ([]Lot, error) {
	return queryAll(ctx, s.r, "list lots", scanLot, `SELECT `+lotColumns+` FROM lots l ORDER BY l.created_at DESC, l.id`)
}

// Lot returns one lot; ErrNotFound when there is none.
func (s *Store) Lot(ctx context.Context, id string) (Lot, error) {
	l, err := scanLot(s.r.QueryRowContext(ctx, `SELECT `+lotColumns+` FROM lots l WHERE l.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Lot{}, fmt.Errorf("lot %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Lot{}, fmt.Errorf("lot %s: %w", id, err)
	}
	return l, nil
}

// LotMembers lists a lot's phones in the order they joined.
func (s *Store) LotMembers(ctx context.Context, lotID string) ([]LotMember, error) {
	return queryAll(ctx, s.r, "list lot "+lotID, scanMember, memberSelect+` WHERE l.lot_id = ? ORDER BY l.joined_at, d.id`, lotID)
}

// DeviceMember is one phone as a label shows it, with its lot ("" when it
// is in none); ErrNotFound when there is no such phone.
func (s *Store) DeviceMember(ctx context.Context, deviceID string) (LotMember, error) {
	m, err := scanMember(s.r.QueryRowContext(ctx, memberSelect+` WHERE d.id = ?`, deviceID))
	if errors.Is(err, sql.ErrNoRows) {
		return LotMember{}, fmt.Errorf("device %s: %w", deviceID, ErrNotFound)
	}
	if err != nil {
		return LotMember{}, fmt.Errorf("device %s: %w", deviceID, err)
	}
	return m, nil
}

// memberSelect reads phones with their lot, newest release and newest
// certificate.
const memberSelect = `SELECT d.id, l.lot_id, d.serial, d.imei, d.manufacturer, d.brand, d.model, d.verdict, d.risk_kinds,
		l.joined_at, l.joined_by, r.id, r.stage, r.outcome, r.finished_at,
		(SELECT c.id FROM certificates c WHERE c.device_id = d.id ORDER BY c.issued_at DESC, c.rowid DESC LIMIT 1)
	FROM devices d LEFT JOIN lot_devices l ON l.device_id = d.id
	LEFT JOIN releases r ON r.id = (SELECT id FROM releases WHERE device_id = d.id ORDER BY created_at DESC LIMIT 1)`

func scanMember(r rowScanner) (LotMember, error) {
	var (
		m                            LotMember
		lot, joined, joinedBy        sql.NullString
		verdict, kinds, relID, stage sql.NullString
		outcome, finished, certID    sql.NullString
	)
	if err := r.Scan(&m.DeviceID, &lot, &m.Serial, &m.IMEI, &m.Manufacturer, &m.Brand, &m.Model, &verdict, &kinds,
		&joined, &joinedBy, &relID, &stage, &outcome, &finished, &certID); err != nil {
		return LotMember{}, err
	}
	m.LotID, m.JoinedBy = lot.String, joinedBy.String
	m.Verdict, m.RiskKinds, m.ReleaseID, m.ReleaseStage = verdict.String, kinds.String, relID.String, stage.String
	m.ReleaseOutcome, m.CertificateID = outcome.String, certID.String
	var err error
	if m.JoinedAt, err = parseNullTime(joined); err != nil {
		return LotMember{}, err
	}
	m.ReleaseFinishedAt, err = parseNullTime(finished)
	return m, err
}

// DeviceLot is the lot a phone is in, "" when none.
func (s *Store) DeviceLot(ctx context.Context, deviceID string) (string, error) {
	var lot string
	err := s.r.QueryRowContext(ctx, `SELECT lot_id FROM lot_devices WHERE device_id = ?`, deviceID).Scan(&lot)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lot of device %s: %w", deviceID, err)
	}
	return lot, nil
}

// DeviceLots maps every phone in a lot to its lot.
func (s *Store) DeviceLots(ctx context.Context) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT device_id, lot_id FROM lot_devices`)
	if err != nil {
		return nil, fmt.Errorf("lots of devices: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var d, l string
		if err := rows.Scan(&d, &l); err != nil {
			return nil, fmt.Errorf("lots of devices: %w", err)
		}
		out[d] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lots of devices: %w", err)
	}
	return out, nil
}
