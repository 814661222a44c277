package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrTokenRefused: an enrollment token is unknown, already used or expired.
// The three are not told apart, so a caller learns nothing by guessing.
var ErrTokenRefused = errors.New("enrollment token unknown, used or expired")

// Audit actions of enrollment.
const (
	AuditTokenCreated = "enroll.token_created"
	AuditEnrolled     = "enroll.device"
)

// Credential is a device's MQTT login as stored: only a hash of the
// password is kept.
type Credential struct {
	DeviceID     string
	Username     string
	PasswordHash string
	CreatedAt    time.Time
	// RevokedAt is zero while the credential is valid.
	RevokedAt time.Time
}

// CreateEnrollmentToken stores the hash of a new one-time token.
func (s *Store) CreateEnrollmentToken(ctx context.Context, tokenHash string, createdAt, expiresAt time.Time) error {
	if tokenHash == "" || !storable(createdAt) || !storable(expiresAt) || !expiresAt.After(createdAt) {
		return errors.New("create enrollment token: hash and a valid lifetime are required")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create enrollment token: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO enrollment_tokens(token_hash, created_at, expires_at) VALUES (?, ?, ?)`,
		tokenHash, formatTime(createdAt), formatTime(expiresAt)); err != nil {
		return fmt.Errorf("create enrollment token: %w", err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: createdAt, Actor: ActorController, Action: AuditTokenCreated,
		Detail: "expires " + formatTime(expiresAt)}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create enrollment token: commit: %w", err)
	}
	return nil
}

// Enroll spends the token with hash tokenHash on cred.DeviceID and stores
// cred, replacing any earlier credential of that device, in one
// transaction: a token is spent exactly when credentials are issued.
func (s *Store) Enroll(ctx context.Context, tokenHash string, cred Credential, now time.Time) error {
	if cred.DeviceID == "" || cred.Username == "" || cred.PasswordHash == "" || !storable(now) {
		return errors.New("enroll: device, username, password hash and time are required")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("enroll %s: %w", cred.DeviceID, err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `UPDATE enrollment_tokens SET used_at = ?, device_id = ?
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		formatTime(now), cred.DeviceID, tokenHash, formatTime(now))
	if err != nil {
		return fmt.Errorf("enroll %s: %w", cred.DeviceID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("enroll %s: %w", cred.DeviceID, ErrTokenRefused)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO device_credentials(device_id, username, password_hash, created_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT(device_id) DO UPDATE SET username = excluded.username,
			password_hash = excluded.password_hash, created_at = excluded.created_at, revoked_at = NULL`,
		cred.DeviceID, cred.Username, cred.PasswordHash, formatTime(now)); err != nil {
		return fmt.Errorf("enroll %s: store credential: %w", cred.DeviceID, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: now, DeviceID: cred.DeviceID, Actor: AgentActor(cred.DeviceID),
		Action: AuditEnrolled, Detail: "mqtt credentials issued"}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("enroll %s: commit: %w", cred.DeviceID, err)
	}
	return nil
}

// CredentialByUsername returns the credential with this MQTT username, or
// ErrNotFound. Revoked credentials are returned too; the caller checks.
func (s *Store) CredentialByUsername(ctx context.Context, username string) (Credential, error) {
	var c Credential
	var created string
	var revoked sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT device_id, username, password_hash, created_at, revoked_at
		FROM device_credentials WHERE username = ?`, username).
		Scan(&c.DeviceID, &c.Username, &c.PasswordHash, &created, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("credential: %w", ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("credential: %w", err)
	}
	if c.CreatedAt, err = parseTime(created); err != nil {
		return c, err
	}
	if c.RevokedAt, err = parseNullTime(revoked); err != nil {
		return c, err
	}
	return c, nil
}
