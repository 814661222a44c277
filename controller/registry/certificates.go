package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AuditCertificateIssued is the audit action of a stored certificate.
const AuditCertificateIssued = "certificate.issued"

// CertificateRecord is a release certificate as issued: Document holds the
// signed file byte for byte, so that it verifies exactly as first handed out.
type CertificateRecord struct {
	ID        string
	DeviceID  string
	ReleaseID string
	IssuedAt  time.Time
	Document  []byte
	// Note is the operator's note on asking for it; it is written to the
	// audit row only.
	Note string
	// Superseded says why the certificate no longer stands (its phone was
	// seen locked after the reset); "" while it does.
	Superseded string
}

// StoreCertificate keeps an issued certificate and, in the same
// transaction, an audit row naming who asked for it. The release must exist;
// a repeated ID gives ErrExists.
func (s *Store) StoreCertificate(ctx context.Context, c CertificateRecord, actor string) error {
	if c.ID == "" || c.DeviceID == "" || c.ReleaseID == "" || len(c.Document) == 0 || actor == "" {
		return fmt.Errorf("store certificate %s: id, device, release, document and actor are required", c.ID)
	}
	if !storable(c.IssuedAt) {
		return fmt.Errorf("store certificate %s: issue time is missing or out of range", c.ID)
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("store certificate %s: %w", c.ID, err)
	}
	defer func() { _ = tx.Rollback() }()
	var device string
	err = tx.QueryRowContext(ctx, `SELECT device_id FROM releases WHERE id = ?`, c.ReleaseID).Scan(&device)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store certificate %s: release %s: %w", c.ID, c.ReleaseID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store certificate %s: %w", c.ID, err)
	}
	if device != c.DeviceID {
		return fmt.Errorf("store certificate %s: release %s is of another device", c.ID, c.ReleaseID)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO certificates(id, device_id, release_id, issued_at, document) VALUES (?, ?, ?, ?, ?)`,
		c.ID, c.DeviceID, c.ReleaseID, formatTime(c.IssuedAt), string(c.Document))
	if isUniqueViolation(err) {
		return fmt.Errorf("store certificate %s: %w", c.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("store certificate %s: %w", c.ID, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: c.IssuedAt, DeviceID: c.DeviceID, Actor: actor,
		Action: AuditCertificateIssued, Detail: "certificate " + c.ID + " for release " + c.ReleaseID, Note: c.Note}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store certificate %s: commit: %w", c.ID, err)
	}
	return nil
}

const certificateColumns = `id, device_id, release_id, issued_at, document, superseded`

// Certificate returns one certificate by ID, or an error wrapping ErrNotFound.
func (s *Store) Certificate(ctx context.Context, id string) (CertificateRecord, error) {
	return s.oneCertificate(ctx, `id = ?`, id, "certificate "+id)
}

// LatestCertificate returns the newest certificate of a device.
func (s *Store) LatestCertificate(ctx context.Context, deviceID string) (CertificateRecord, error) {
	return s.oneCertificate(ctx, `device_id = ?`, deviceID, "certificate of device "+deviceID)
}

// ReleaseCertificate returns the newest certificate issued for a release.
func (s *Store) ReleaseCertificate(ctx context.Context, releaseID string) (CertificateRecord, error) {
	return s.oneCertificate(ctx, `release_id = ?`, releaseID, "certificate of release "+releaseID)
}

// oneCertificate runs a fixed condition; what names the lookup in errors.
func (s *Store) oneCertificate(ctx context.Context, cond, arg, what string) (CertificateRecord, error) {
	var (
		c      CertificateRecord
		issued string
		doc    string
	)
	err := s.r.QueryRowContext(ctx, `SELECT `+certificateColumns+` FROM certificates WHERE `+cond+
		` ORDER BY issued_at DESC, rowid DESC LIMIT 1`, arg).Scan(&c.ID, &c.DeviceID, &c.ReleaseID, &issued, &doc, &c.Superseded)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read %s: %w", what, err)
	}
	if c.IssuedAt, err = parseTime(issued); err != nil {
		return c, fmt.Errorf("read %s: %w", what, err)
	}
	c.Document = []byte(doc)
	return c, nil
}
