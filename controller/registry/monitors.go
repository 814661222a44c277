package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MonitorPrefix marks the credentials of read-only observers in the
// credentials table. Device IDs never contain '/', so it cannot name a device.
const MonitorPrefix = "monitor/"

// AuditMonitorCreated is the audit action of a new monitor credential.
const AuditMonitorCreated = "monitor.created"

// AddMonitorCredential stores (or replaces) the login of a read-only
// observer named name; cred.DeviceID is set to MonitorPrefix+name.
func (s *Store) AddMonitorCredential(ctx context.Context, name string, cred Credential, actor string) error {
	if name == "" || strings.ContainsAny(name, "/+#") || cred.Username == "" || cred.PasswordHash == "" {
		return errors.New("monitor credential: a name without '/', '+' or '#', a username and a password hash are required")
	}
	if cred.CreatedAt.IsZero() {
		cred.CreatedAt = time.Now().UTC()
	}
	cred.DeviceID = MonitorPrefix + name
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("monitor credential %s: %w", name, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO device_credentials(device_id, username, password_hash, broker_hash, created_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(device_id) DO UPDATE SET username = excluded.username, password_hash = excluded.password_hash,
			broker_hash = excluded.broker_hash, created_at = excluded.created_at, revoked_at = NULL`,
		cred.DeviceID, cred.Username, cred.PasswordHash, nullString(cred.BrokerHash), formatTime(cred.CreatedAt)); err != nil {
		return fmt.Errorf("monitor credential %s: %w", name, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: cred.CreatedAt, Actor: actor, Action: AuditMonitorCreated, Detail: name}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("monitor credential %s: %w", name, err)
	}
	return nil
}
