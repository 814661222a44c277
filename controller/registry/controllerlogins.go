package registry

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ControllerLogin is the broker login of one controller of several sharing
// this registry.
type ControllerLogin struct {
	Username   string
	BrokerHash string
	Instance   string
}

// SetControllerLogin records (or replaces) a controller's broker login.
func (s *Store) SetControllerLogin(ctx context.Context, l ControllerLogin, at time.Time) error {
	if l.Username == "" || l.BrokerHash == "" || l.Instance == "" {
		return errors.New("set controller login: a username, a hash and an instance are required")
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO controller_logins(username, broker_hash, instance, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT(username) DO UPDATE SET broker_hash = excluded.broker_hash, instance = excluded.instance, updated_at = excluded.updated_at`,
		l.Username, l.BrokerHash, l.Instance, formatTime(at)); err != nil {
		return fmt.Errorf("set controller login of %s: %w", l.Instance, err)
	}
	return nil
}

// ControllerLogins lists the controllers' broker logins by username.
func (s *Store) ControllerLogins(ctx context.Context) ([]ControllerLogin, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT username, broker_hash, instance FROM controller_logins ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list controller logins: %w", err)
	}
	defer rows.Close()
	var out []ControllerLogin
	for rows.Next() {
		var l ControllerLogin
		if err := rows.Scan(&l.Username, &l.BrokerHash, &l.Instance); err != nil {
			return nil, fmt.Errorf("list controller logins: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
