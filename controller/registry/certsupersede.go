package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AuditCertificateSuperseded is the audit action of a certificate that no
// longer stands.
const AuditCertificateSuperseded = "certificate.superseded"

// SupersedeCertificate marks a standing certificate as no longer standing,
// saying why, with an audit row in the same transaction. One already
// superseded keeps its first reason; an unknown ID wraps ErrNotFound.
func (s *Store) SupersedeCertificate(ctx context.Context, id, reason, actor string, at time.Time) error {
	if id == "" || reason == "" || actor == "" || !storable(at) {
		return fmt.Errorf("supersede certificate %s: id, reason, actor and time are required", id)
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("supersede certificate %s: %w", id, err)
	}
	defer func() { _ = tx.Rollback() }()
	var device, was string
	err = tx.QueryRowContext(ctx, `SELECT device_id, superseded FROM certificates WHERE id = ?`, id).Scan(&device, &was)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("supersede certificate %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("supersede certificate %s: %w", id, err)
	}
	if was != "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE certificates SET superseded = ? WHERE id = ?`, reason, id); err != nil {
		return fmt.Errorf("supersede certificate %s: %w", id, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: at, DeviceID: device, Actor: actor, Action: AuditCertificateSuperseded,
		Detail: "certificate " + id + ": " + reason}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("supersede certificate %s: commit: %w", id, err)
	}
	return nil
}
