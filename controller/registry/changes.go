package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Change is one write a controller announces to the others on its
// registry: what kind of thing changed and for which devices. Writer
// numbers its changes 1, 2, 3...; a reader remembers the last number it
// saw of each writer.
type Change struct {
	Writer  string
	Seq     int64
	Kind    string
	Devices []string
	At      time.Time
}

// AppendChange records a change. Device IDs never hold a space (see
// protocol.ValidateDeviceID), which separates them in the row.
func (s *Store) AppendChange(ctx context.Context, c Change) error {
	if c.Writer == "" || c.Seq <= 0 || c.Kind == "" {
		return errors.New("append change: a writer, a positive number and a kind are required")
	}
	for _, id := range c.Devices {
		if id == "" || strings.ContainsAny(id, " \t\n") {
			return fmt.Errorf("append change %s/%d: device ID %q", c.Writer, c.Seq, id)
		}
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO cluster_changes(writer, seq, kind, devices, at) VALUES (?, ?, ?, ?, ?)`,
		c.Writer, c.Seq, c.Kind, strings.Join(c.Devices, " "), formatTime(c.At)); err != nil {
		return fmt.Errorf("append change %s/%d: %w", c.Writer, c.Seq, err)
	}
	return nil
}

// ChangeHeads is the newest change number of each writer.
func (s *Store) ChangeHeads(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT writer, max(seq) FROM cluster_changes GROUP BY writer`)
	if err != nil {
		return nil, fmt.Errorf("read change heads: %w", err)
	}
	defer rows.Close()
	heads := map[string]int64{}
	for rows.Next() {
		var (
			w string
			n int64
		)
		if err := rows.Scan(&w, &n); err != nil {
			return nil, fmt.Errorf("read change heads: %w", err)
		}
		heads[w] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read change heads: %w", err)
	}
	return heads, nil
}

// ChangesAfter lists writer's changes numbered after after, oldest first,
// at most limit.
func (s *Store) ChangesAfter(ctx context.Context, writer string, after int64, limit int) ([]Change, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, kind, devices, at FROM cluster_changes
		WHERE writer = ? AND seq > ? ORDER BY seq LIMIT ?`, writer, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes of %s: %w", writer, err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		c := Change{Writer: writer}
		var devices, at string
		if err := rows.Scan(&c.Seq, &c.Kind, &devices, &at); err != nil {
			return nil, fmt.Errorf("read changes of %s: %w", writer, err)
		}
		if devices != "" {
			c.Devices = strings.Split(devices, " ")
		}
		if c.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("change %s/%d: %w", writer, c.Seq, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PruneChanges deletes writer's changes older than before; the newest one
// is kept, so that the writer's numbering goes on after a restart.
func (s *Store) PruneChanges(ctx context.Context, writer string, before time.Time) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM cluster_changes WHERE writer = ? AND at < ?
		AND seq < (SELECT max(seq) FROM cluster_changes WHERE writer = ?)`, writer, formatTime(before), writer); err != nil {
		return fmt.Errorf("prune changes of %s: %w", writer, err)
	}
	return nil
}

// WakeOutbox has the webhook worker look for due deliveries now: another
// controller on the registry may have written some (see OutboxWake).
func (s *Store) WakeOutbox() {
	select {
	case s.outboxWake <- struct{}{}:
	default:
	}
}
