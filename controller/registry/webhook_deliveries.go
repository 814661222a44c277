package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	// DeliveryFailed: the receiver did not acknowledge within the retry
	// window; no more attempts are made.
	DeliveryFailed = "failed"
	// DeliveryCanceled: the webhook was removed before a 2xx.
	DeliveryCanceled = "canceled"
)

// Delivery is one event for one webhook and how sending it went.
type Delivery struct {
	ID          int64
	WebhookID   string
	EventID     string
	EventType   string
	State       string
	Attempts    int
	NextAt      time.Time
	CreatedAt   time.Time
	LastAt      time.Time
	LastStatus  int
	LastError   string
	DeliveredAt time.Time
}

// DeliveryFilter selects deliveries; set fields combine with AND.
type DeliveryFilter struct {
	WebhookID string
	State     string
	// Limit keeps the newest Limit deliveries; 0 keeps all.
	Limit int
}

// OutboundDelivery is a delivery claimed for an attempt: what to send where.
type OutboundDelivery struct {
	ID        int64
	WebhookID string
	URL       string
	Secret    string
	EventID   string
	Body      []byte
	// Attempts made before this one; CreatedAt is when the event was written.
	Attempts  int
	CreatedAt time.Time
}

// Attempt is the result of sending a claimed delivery.
type Attempt struct {
	DeliveryID int64
	At         time.Time
	// Counted is false for an attempt cut short by the controller stopping:
	// it is not counted and the delivery is due again at NextAt.
	Counted bool
	Status  int
	Error   string
	// State is the delivery's new state; NextAt is when a pending one is due.
	State  string
	NextAt time.Time
}

// ClaimDeliveries returns up to limit pending deliveries due at now, oldest
// due first, and moves each one's due time to now+lease: while its attempt
// runs, no later claim returns it.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboundDelivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.webhook_id, w.url, w.secret, d.event_id, e.body, d.attempts, d.created_at
		FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id
		WHERE d.state = ? AND d.next_at <= ? ORDER BY d.next_at, d.id LIMIT ?`, DeliveryPending, formatTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	var out []OutboundDelivery
	for rows.Next() {
		var (
			d       OutboundDelivery
			body    string
			created string
		)
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.URL, &d.Secret, &d.EventID, &body, &d.Attempts, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		d.Body = []byte(body)
		if d.CreatedAt, err = parseTime(created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("delivery %d: %w", d.ID, err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	leaseEnd := formatTime(now.Add(lease))
	for _, d := range out {
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_at = ? WHERE id = ?`, leaseEnd, d.ID); err != nil {
			return nil, fmt.Errorf("claim delivery %d: %w", d.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim deliveries: commit: %w", err)
	}
	return out, nil
}

// NextDeliveryAt is when the earliest pending delivery is due; ok is false
// when none is pending.
func (s *Store) NextDeliveryAt(ctx context.Context) (at time.Time, ok bool, err error) {
	var next sql.NullString
	if err := s.r.QueryRowContext(ctx, `SELECT min(next_at) FROM webhook_deliveries WHERE state = ?`, DeliveryPending).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next delivery: %w", err)
	}
	at, err = parseNullTime(next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next delivery: %w", err)
	}
	return at, next.Valid, nil
}

// RecordAttempt stores the result of an attempt. A delivery that is no
// longer pending (its webhook was removed meanwhile) is left as it is.
func (s *Store) RecordAttempt(ctx context.Context, a Attempt) error {
	counted := 0
	if a.Counted {
		counted = 1
	}
	var delivered sql.NullString
	if a.State == DeliveryDelivered {
		delivered = nullTime(a.At)
	}
	next := a.NextAt
	if next.IsZero() {
		next = a.At
	}
	_, err := s.w.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, next_at = ?,
		attempts = attempts + ?,
		last_at = CASE WHEN ? = 1 THEN ? ELSE last_at END,
		last_status = CASE WHEN ? = 1 THEN ? ELSE last_status END,
		last_error = CASE WHEN ? = 1 THEN ? ELSE last_error END,
		delivered_at = coalesce(?, delivered_at)
		WHERE id = ? AND state = ?`,
		a.State, formatTime(next), counted,
		counted, formatTime(a.At), counted, a.Status, counted, a.Error,
		delivered, a.DeliveryID, DeliveryPending)
	if err != nil {
		return fmt.Errorf("record attempt of delivery %d: %w", a.DeliveryID, err)
	}
	return nil
}

// Deliveries lists deliveries matching f, oldest first.
func (s *Store) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	var (
		conds []string
		args  []any
	)
	if f.WebhookID != "" {
		conds, args = append(conds, `d.webhook_id = ?`), append(args, f.WebhookID)
	}
	if f.State != "" {
		conds, args = append(conds, `d.state = ?`), append(args, f.State)
	}
	q := `SELECT d.id, d.webhook_id, d.event_id, e.type, d.state, d.attempts, d.next_at, d.created_at,
		d.last_at, d.last_status, d.last_error, d.delivered_at
		FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q = `SELECT * FROM (` + q + ` ORDER BY d.id DESC LIMIT ?) AS newest ORDER BY id`
	args = append(args, limitArg(f.Limit))
	return queryAll(ctx, s.r, "list deliveries", scanDelivery, q, args...)
}

func scanDelivery(row rowScanner) (Delivery, error) {
	var (
		d                 Delivery
		next, created     string
		last, deliveredAt sql.NullString
	)
	if err := row.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &d.State, &d.Attempts, &next, &created,
		&last, &d.LastStatus, &d.LastError, &deliveredAt); err != nil {
		return d, err
	}
	var errs []error
	var err error
	d.NextAt, err = parseTime(next)
	errs = append(errs, err)
	d.CreatedAt, err = parseTime(created)
	errs = append(errs, err)
	d.LastAt, err = parseNullTime(last)
	errs = append(errs, err)
	d.DeliveredAt, err = parseNullTime(deliveredAt)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return d, fmt.Errorf("delivery %d: %w", d.ID, err)
	}
	return d, nil
}
