package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Audit actions of operator accounts.
const (
	AuditOperatorAdded   = "operator.added"
	AuditOperatorRevoked = "operator.revoked"
)

// Operator is an account allowed to call the HTTP API, as stored: only a
// hash of its API token is kept.
type Operator struct {
	Name string
	// Role is "viewer", "operator" or "admin".
	Role      string
	TokenHash string
	CreatedAt time.Time
	// CreatedBy is the audit actor who added it.
	CreatedBy string
	// RevokedAt is zero while the account may act.
	RevokedAt time.Time
}

// AddOperator stores op. An account of that name that is still active is
// ErrExists unless replace is set, in which case its role and token are
// replaced (the old token stops working); a revoked one is always replaced.
// The audit row names actor and carries note.
func (s *Store) AddOperator(ctx context.Context, op Operator, replace bool, actor, note string) error {
	if op.Name == "" || op.Role == "" || op.TokenHash == "" || actor == "" || !storable(op.CreatedAt) {
		return errors.New("add operator: name, role, token hash, creator and time are required")
	}
	op.CreatedBy = actor
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("add operator %s: %w", op.Name, err)
	}
	defer func() { _ = tx.Rollback() }()
	var revoked sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT revoked_at FROM operators WHERE name = ?`, op.Name).Scan(&revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("add operator %s: %w", op.Name, err)
	case !revoked.Valid && !replace:
		return fmt.Errorf("add operator %s: %w", op.Name, ErrExists)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO operators(name, role, token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash,
			created_at = excluded.created_at, created_by = excluded.created_by, revoked_at = NULL`,
		op.Name, op.Role, op.TokenHash, formatTime(op.CreatedAt), op.CreatedBy); err != nil {
		return fmt.Errorf("add operator %s: %w", op.Name, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: op.CreatedAt, Actor: actor, Action: AuditOperatorAdded,
		Detail: fmt.Sprintf("operator %s, role %s", op.Name, op.Role), Note: note}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add operator %s: commit: %w", op.Name, err)
	}
	return nil
}

// RevokeOperator ends the account name at at; ErrNotFound when there is no
// active account of that name.
func (s *Store) RevokeOperator(ctx context.Context, name string, at time.Time, actor, note string) error {
	if name == "" || actor == "" || !storable(at) {
		return errors.New("revoke operator: name, actor and time are required")
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("revoke operator %s: %w", name, err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `UPDATE operators SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`, formatTime(at), name)
	if err != nil {
		return fmt.Errorf("revoke operator %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("revoke operator %s: %w", name, ErrNotFound)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: at, Actor: actor, Action: AuditOperatorRevoked,
		Detail: "operator " + name, Note: note}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("revoke operator %s: commit: %w", name, err)
	}
	return nil
}

// OperatorByTokenHash returns the account whose token hashes to hash, revoked
// or not; ErrNotFound when none does.
func (s *Store) OperatorByTokenHash(ctx context.Context, hash string) (Operator, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+operatorColumns+` FROM operators WHERE token_hash = ?`, hash)
	op, err := scanOperator(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Operator{}, ErrNotFound
	}
	if err != nil {
		return Operator{}, fmt.Errorf("look up operator token: %w", err)
	}
	return op, nil
}

// Operators lists every account, revoked ones included, by name.
func (s *Store) Operators(ctx context.Context) ([]Operator, error) {
	return queryAll(ctx, s.r, "list operators", scanOperator, `SELECT `+operatorColumns+` FROM operators ORDER BY name`)
}

const operatorColumns = `name, role, token_hash, created_at, created_by, revoked_at`

func scanOperator(row rowScanner) (Operator, error) {
	var (
		op      Operator
		created string
		revoked sql.NullString
	)
	if err := row.Scan(&op.Name, &op.Role, &op.TokenHash, &created, &op.CreatedBy, &revoked); err != nil {
		return Operator{}, err
	}
	var err error
	if op.CreatedAt, err = parseTime(created); err != nil {
		return Operator{}, err
	}
	if op.RevokedAt, err = parseNullTime(revoked); err != nil {
		return Operator{}, err
	}
	return op, nil
}
