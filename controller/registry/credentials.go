package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrTokenRefused: an enrollment token is unknown, already used or expired.
// The three are not told apart, so a caller learns nothing by guessing.
var ErrTokenRefused = errors.New("enrollment token unknown, used or expired")

// ErrIdentityTaken: the device ID already has credentials and the token was
// not minted to replace them.
var ErrIdentityTaken = errors.New("device ID already enrolled; only a token minted with --replace for it may take it over")

// Audit actions of enrollment and revocation.
const (
	AuditTokenCreated = "enroll.token_created"
	AuditEnrolled     = "enroll.device"
	AuditReplaced     = "enroll.replaced"
	AuditRevoked      = "credential.revoked"
)

// Credential is a device's MQTT login as stored: only a hash of the
// password is kept.
type Credential struct {
	DeviceID     string
	Username     string
	PasswordHash string
	// BrokerHash is the password hashed for an external broker's password
	// file (broker.MosquittoHash); empty for logins issued before it was
	// kept, which such a broker cannot admit.
	BrokerHash string
	CreatedAt  time.Time
	// RevokedAt is zero while the credential is valid.
	RevokedAt time.Time
}

// TokenSpec is what an enrollment token may do and who minted it.
type TokenSpec struct {
	// ForDevice, when set, is the only device ID the token enrolls.
	ForDevice string
	// Replaces lets the token take over ForDevice's existing credentials;
	// it requires ForDevice.
	Replaces bool
	// MintedBy is the audit actor who asked for the token.
	MintedBy string
	// Note is free text kept with the token and its enrollment.
	Note string
}

// CreateEnrollmentToken stores the hash of a new one-time token.
func (s *Store) CreateEnrollmentToken(ctx context.Context, tokenHash string, createdAt, expiresAt time.Time, spec TokenSpec) error {
	if tokenHash == "" || !storable(createdAt) || !storable(expiresAt) || !expiresAt.After(createdAt) {
		return errors.New("create enrollment token: hash and a valid lifetime are required")
	}
	if spec.Replaces && spec.ForDevice == "" {
		return errors.New("create enrollment token: a replacement token needs the device it replaces")
	}
	if spec.MintedBy == "" {
		spec.MintedBy = ActorController
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("create enrollment token: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO enrollment_tokens(token_hash, created_at, expires_at, for_device, replaces, minted_by, note)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tokenHash, formatTime(createdAt), formatTime(expiresAt), nullString(spec.ForDevice), spec.Replaces, spec.MintedBy, spec.Note); err != nil {
		return fmt.Errorf("create enrollment token: %w", err)
	}
	detail := "expires " + formatTime(expiresAt)
	switch {
	case spec.Replaces:
		detail += ", replaces the credentials of " + spec.ForDevice
	case spec.ForDevice != "":
		detail += ", for new device " + spec.ForDevice
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: createdAt, DeviceID: spec.ForDevice, Actor: spec.MintedBy, Action: AuditTokenCreated,
		Detail: detail + noteSuffix(spec.Note)}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create enrollment token: commit: %w", err)
	}
	return nil
}

// Enroll spends the token with hash tokenHash on cred.DeviceID and stores
// cred, in one transaction: a token is spent exactly when credentials are
// issued. A device ID that already has credentials (even revoked ones) is
// refused with ErrIdentityTaken unless the token was minted to replace that
// ID's credentials; a token minted for another ID is refused like an unknown
// one. replaced reports whether earlier credentials were replaced.
func (s *Store) Enroll(ctx context.Context, tokenHash string, cred Credential, now time.Time) (replaced bool, err error) {
	if cred.DeviceID == "" || cred.Username == "" || cred.PasswordHash == "" || !storable(now) {
		return false, errors.New("enroll: device, username, password hash and time are required")
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return false, fmt.Errorf("enroll %s: %w", cred.DeviceID, err)
	}
	defer func() { _ = tx.Rollback() }()
	var forDevice sql.NullString
	var replaces bool
	var mintedBy, mintedAt, note string
	err = tx.QueryRowContext(ctx, `SELECT for_device, replaces, minted_by, created_at, note FROM enrollment_tokens
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`, tokenHash, formatTime(now)).
		Scan(&forDevice, &replaces, &mintedBy, &mintedAt, &note)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && forDevice.Valid && forDevice.String != cred.DeviceID) {
		return false, fmt.Errorf("enroll %s: %w", cred.DeviceID, ErrTokenRefused)
	}
	if err != nil {
		return false, fmt.Errorf("enroll %s: %w", cred.DeviceID, err)
	}
	if other, err := caseVariant(ctx, tx, cred.DeviceID); err != nil {
		return false, fmt.Errorf("enroll %s: %w", cred.DeviceID, err)
	} else if other != "" {
		return false, fmt.Errorf("enroll %s: %w: %s is enrolled, and IDs differing only in letter case name one phone", cred.DeviceID, ErrIdentityTaken, other)
	}
	var existing int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM device_credentials WHERE device_id = ? OR username = ?`,
		cred.DeviceID, cred.Username).Scan(&existing); err != nil {
		return false, fmt.Errorf("enroll %s: %w", cred.DeviceID, err)
	}
	replaced = existing > 0
	if replaced && !replaces {
		return false, fmt.Errorf("enroll %s: %w", cred.DeviceID, ErrIdentityTaken)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE enrollment_tokens SET used_at = ?, device_id = ? WHERE token_hash = ?`,
		formatTime(now), cred.DeviceID, tokenHash); err != nil {
		return false, fmt.Errorf("enroll %s: %w", cred.DeviceID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO device_credentials(device_id, username, password_hash, broker_hash, created_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(device_id) DO UPDATE SET username = excluded.username, password_hash = excluded.password_hash,
			broker_hash = excluded.broker_hash, created_at = excluded.created_at, revoked_at = NULL`,
		cred.DeviceID, cred.Username, cred.PasswordHash, nullString(cred.BrokerHash), formatTime(now)); err != nil {
		return false, fmt.Errorf("enroll %s: store credential: %w", cred.DeviceID, err)
	}
	if mintedBy == "" {
		mintedBy = ActorController
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enrollments(device_id, at, replaced, minted_by, minted_at, note) VALUES (?, ?, ?, ?, ?, ?)`,
		cred.DeviceID, formatTime(now), replaced, mintedBy, mintedAt, note); err != nil {
		return false, fmt.Errorf("enroll %s: record enrollment: %w", cred.DeviceID, err)
	}
	action, detail := AuditEnrolled, "mqtt credentials issued"
	if replaced {
		action, detail = AuditReplaced, "mqtt credentials replaced; the old ones no longer work"
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: now, DeviceID: cred.DeviceID, Actor: AgentActor(cred.DeviceID),
		Action: action, Detail: detail + ", with a token minted by " + mintedBy + noteSuffix(note)}); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("enroll %s: commit: %w", cred.DeviceID, err)
	}
	return replaced, nil
}

// caseVariant is an enrolled device ID that differs from id only in letter
// case, or "". Device IDs are compared case-insensitively for identity: a
// phone's ID is usually its serial, which people and tools write in either
// case, so "41100FAA" beside "41100faa" is a second enrollment of one phone
// (or an impersonation of it). It is refused rather than folded into the
// same ID: MQTT topics and the broker's ACL are case-sensitive, so the two
// would otherwise be two devices with one name.
func caseVariant(ctx context.Context, q rowQuerier, id string) (string, error) {
	var other string
	err := q.QueryRowContext(ctx, `SELECT device_id FROM device_credentials
		WHERE device_id = ? COLLATE NOCASE AND device_id != ? ORDER BY device_id LIMIT 1`, id, id).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look for case variants of %s: %w", id, err)
	}
	return other, nil
}

// rowQuerier is a *sql.DB or a *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// CaseVariant is an enrolled device ID that differs from id only in letter
// case, or "" (see caseVariant).
func (s *Store) CaseVariant(ctx context.Context, id string) (string, error) {
	return caseVariant(ctx, s.r, id)
}

// RevokeCredential marks the credentials of deviceID (a device ID, or
// MonitorPrefix+name) revoked, so that the broker refuses them from now on,
// and audits it. It returns the MQTT username whose sessions the caller
// should end, and ErrNotFound when there are no such credentials. Revoking
// revoked credentials again changes nothing and is not an error.
func (s *Store) RevokeCredential(ctx context.Context, deviceID, actor string, now time.Time) (username string, err error) {
	if deviceID == "" || actor == "" || !storable(now) {
		return "", errors.New("revoke credential: device, actor and time are required")
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return "", fmt.Errorf("revoke credential of %s: %w", deviceID, err)
	}
	defer func() { _ = tx.Rollback() }()
	var revoked sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT username, revoked_at FROM device_credentials WHERE device_id = ?`, deviceID).Scan(&username, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("revoke credential of %s: %w", deviceID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("revoke credential of %s: %w", deviceID, err)
	}
	if revoked.Valid {
		return username, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE device_credentials SET revoked_at = ? WHERE device_id = ?`, formatTime(now), deviceID); err != nil {
		return "", fmt.Errorf("revoke credential of %s: %w", deviceID, err)
	}
	e := AuditEntry{At: now, DeviceID: deviceID, Actor: actor, Action: AuditRevoked, Detail: "mqtt credentials revoked"}
	if name, ok := strings.CutPrefix(deviceID, MonitorPrefix); ok {
		e.DeviceID, e.Detail = "", "monitor credentials revoked: "+name
	}
	if err := insertAudit(ctx, tx, e); err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("revoke credential of %s: commit: %w", deviceID, err)
	}
	return username, nil
}

// Enrollment is one issue of credentials to a device.
type Enrollment struct {
	DeviceID string
	At       time.Time
	// Replaced is set when the device already had credentials.
	Replaced bool
	// MintedBy is the audit actor who minted the token, MintedAt when.
	MintedBy string
	MintedAt time.Time
	Note     string
}

// Enrollments lists deviceID's enrollments, oldest first. Devices enrolled
// before schema version 5 have none.
func (s *Store) Enrollments(ctx context.Context, deviceID string) ([]Enrollment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at, replaced, minted_by, minted_at, note FROM enrollments
		WHERE device_id = ? ORDER BY id`, deviceID)
	if err != nil {
		return nil, fmt.Errorf("enrollments of %s: %w", deviceID, err)
	}
	defer rows.Close()
	var out []Enrollment
	for rows.Next() {
		e := Enrollment{DeviceID: deviceID}
		var at, mintedAt string
		if err := rows.Scan(&at, &e.Replaced, &e.MintedBy, &mintedAt, &e.Note); err != nil {
			return nil, fmt.Errorf("enrollments of %s: %w", deviceID, err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		if e.MintedAt, err = parseTime(mintedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("enrollments of %s: %w", deviceID, err)
	}
	return out, nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return " (note: " + note + ")"
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

// EnrollmentTokenUsable reports whether an unused, unexpired enrollment
// token hashes to tokenHash: a read, so that an address whose failures are
// throttled is still let through with a good token without taking the
// writer.
func (s *Store) EnrollmentTokenUsable(ctx context.Context, tokenHash string, now time.Time) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM enrollment_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		tokenHash, formatTime(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up enrollment token: %w", err)
	}
	return n > 0, nil
}
