package registry

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Webhook event types. An event is written, with one delivery per webhook
// subscribed to its type, in the transaction of the change it describes.
const (
	EventReleaseReleased = "release.released"
	EventReleaseFailed   = "release.failed"
	EventReleaseCanceled = "release.canceled"
	// EventReleaseLockedAfterReset: a released phone was seen locked after
	// its reset; the release is failed and its certificates superseded.
	EventReleaseLockedAfterReset = "release.locked_after_reset"
	// EventReleaseHeld: a release went on hold (it waits rather than
	// fails); EventReleaseHoldResolved: the held phone showed clean and the
	// release goes on.
	EventReleaseHeld         = "release.held"
	EventReleaseHoldResolved = "release.hold_resolved"
	// EventDeviceAtRisk: a phone's verdict became not safe (at_risk or
	// unknown), or its first report was not safe.
	EventDeviceAtRisk = "device.at_risk"
	// EventDeviceSafe: a phone's verdict became safe, or its first report was.
	EventDeviceSafe = "device.safe"
	// EventWebhookTest is sent by `unbind webhook test` to one webhook only.
	EventWebhookTest = "webhook.test"
)

// WebhookEventTypes are the types a webhook may subscribe to.
var WebhookEventTypes = []string{
	EventReleaseReleased, EventReleaseFailed, EventReleaseCanceled, EventReleaseLockedAfterReset,
	EventReleaseHeld, EventReleaseHoldResolved, EventDeviceAtRisk, EventDeviceSafe,
	EventIdentityConflict,
}

// Audit actions of webhook management.
const (
	AuditWebhookAdded   = "webhook.added"
	AuditWebhookRemoved = "webhook.removed"
)

// Webhook is a receiver of events. Secret signs every delivery; it is kept
// in the clear because signing needs it.
type Webhook struct {
	ID        string
	URL       string
	Events    []string
	Secret    string
	CreatedAt time.Time
	CreatedBy string
	// RemovedAt is zero while the webhook receives events.
	RemovedAt time.Time
}

// WebhookEvent is the JSON body of a delivery.
type WebhookEvent struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// DeviceEventData is the data of device.* events: what the device list shows
// of the phone, never account names or IMEIs.
type DeviceEventData struct {
	DeviceID        string   `json:"device_id"`
	Serial          string   `json:"serial,omitempty"`
	Manufacturer    string   `json:"manufacturer,omitempty"`
	Model           string   `json:"model,omitempty"`
	Verdict         string   `json:"verdict"`
	PreviousVerdict string   `json:"previous_verdict,omitempty"`
	RiskKinds       []string `json:"risk_kinds"`
	// Lot is the lot the phone is in, when it is in one.
	Lot string `json:"lot,omitempty"`
}

// ReleaseEventData is the data of release.* events.
type ReleaseEventData struct {
	ReleaseID    string `json:"release_id"`
	DeviceID     string `json:"device_id"`
	Serial       string `json:"serial,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Operator     string `json:"operator"`
	Outcome      string `json:"outcome"`
	// Reason explains a failure or cancellation in stages and risk kinds.
	Reason     string    `json:"reason,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Lot is the lot the phone is in, when it is in one.
	Lot string `json:"lot,omitempty"`
}

// CheckWebhookURL accepts absolute http and https URLs with a host.
func CheckWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("webhook url %q: only http and https URLs are accepted", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("webhook url %q: no host", raw)
	}
	return nil
}

// CheckWebhookEvents accepts a non-empty list of known event types.
func CheckWebhookEvents(events []string) error {
	if len(events) == 0 {
		return fmt.Errorf("webhook events: none given; choose from %s", strings.Join(WebhookEventTypes, ", "))
	}
	for _, e := range events {
		if !slices.Contains(WebhookEventTypes, e) {
			return fmt.Errorf("webhook event %q: unknown; choose from %s", e, strings.Join(WebhookEventTypes, ", "))
		}
	}
	return nil
}

// AddWebhook stores w and an audit row naming actor.
func (s *Store) AddWebhook(ctx context.Context, w Webhook, actor string) error {
	if w.ID == "" || w.Secret == "" || !storable(w.CreatedAt) {
		return errors.New("add webhook: id, secret and creation time are required")
	}
	if err := CheckWebhookURL(w.URL); err != nil {
		return err
	}
	if err := CheckWebhookEvents(w.Events); err != nil {
		return err
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("add webhook %s: %w", w.ID, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhooks(id, url, events, secret, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
		w.ID, w.URL, strings.Join(w.Events, ","), w.Secret, formatTime(w.CreatedAt), actor); err != nil {
		return fmt.Errorf("add webhook %s: %w", w.ID, err)
	}
	// The URL's path and query may carry the receiver's own token: the
	// audit trail names the host only.
	u, _ := url.Parse(w.URL)
	if err := insertAudit(ctx, tx, AuditEntry{At: w.CreatedAt, Actor: actor, Action: AuditWebhookAdded,
		Detail: fmt.Sprintf("webhook %s to %s for %s", w.ID, u.Host, strings.Join(w.Events, ","))}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add webhook %s: commit: %w", w.ID, err)
	}
	return nil
}

// Webhooks lists every webhook, removed ones included, oldest first.
func (s *Store) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, url, events, secret, created_at, created_by, removed_at FROM webhooks ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		var (
			w               Webhook
			events, created string
			removed         sql.NullString
		)
		if err := rows.Scan(&w.ID, &w.URL, &events, &w.Secret, &created, &w.CreatedBy, &removed); err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		w.Events = strings.Split(events, ",")
		if w.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("webhook %s: %w", w.ID, err)
		}
		if w.RemovedAt, err = parseNullTime(removed); err != nil {
			return nil, fmt.Errorf("webhook %s: %w", w.ID, err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// RemoveWebhook stops a webhook: it receives no new events and its pending
// deliveries end canceled. An unknown or removed ID gives ErrNotFound.
func (s *Store) RemoveWebhook(ctx context.Context, id, actor string, at time.Time) error {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("remove webhook %s: %w", id, err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `UPDATE webhooks SET removed_at = ? WHERE id = ? AND removed_at IS NULL`, formatTime(at), id)
	if err != nil {
		return fmt.Errorf("remove webhook %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("webhook %s: %w", id, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ? WHERE webhook_id = ? AND state = ?`,
		DeliveryCanceled, id, DeliveryPending); err != nil {
		return fmt.Errorf("remove webhook %s: cancel deliveries: %w", id, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: at, Actor: actor, Action: AuditWebhookRemoved, Detail: "webhook " + id}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("remove webhook %s: commit: %w", id, err)
	}
	return nil
}

// TestWebhook writes a webhook.test event delivered to webhook id only, and
// returns the event's ID.
func (s *Store) TestWebhook(ctx context.Context, id string, at time.Time) (string, error) {
	ctx, note := withOutbox(ctx)
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return "", fmt.Errorf("test webhook %s: %w", id, err)
	}
	defer func() { _ = tx.Rollback() }()
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM webhooks WHERE id = ? AND removed_at IS NULL`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("webhook %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("test webhook %s: %w", id, err)
	}
	eventID, err := insertEvent(ctx, tx, EventWebhookTest, at, "", map[string]string{"webhook_id": id}, []string{id})
	if err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("test webhook %s: commit: %w", id, err)
	}
	s.notifyOutbox(note)
	return eventID, nil
}

// emitEvent writes an event of type typ and one delivery for each webhook
// subscribed to it, inside the caller's transaction. Without subscribers
// nothing is written.
func emitEvent(ctx context.Context, tx *sql.Tx, typ string, at time.Time, deviceID string, data any) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, events FROM webhooks WHERE removed_at IS NULL ORDER BY id`)
	if err != nil {
		return fmt.Errorf("event %s: list webhooks: %w", typ, err)
	}
	var to []string
	for rows.Next() {
		var id, events string
		if err := rows.Scan(&id, &events); err != nil {
			rows.Close()
			return fmt.Errorf("event %s: list webhooks: %w", typ, err)
		}
		if slices.Contains(strings.Split(events, ","), typ) {
			to = append(to, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("event %s: list webhooks: %w", typ, err)
	}
	if len(to) == 0 {
		return nil
	}
	_, err = insertEvent(ctx, tx, typ, at, deviceID, data, to)
	return err
}

func insertEvent(ctx context.Context, tx *sql.Tx, typ string, at time.Time, deviceID string, data any, to []string) (string, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("event %s: encode: %w", typ, err)
	}
	ev := WebhookEvent{ID: newEventID(), Type: typ, CreatedAt: at.UTC(), Data: raw}
	body, err := json.Marshal(ev)
	if err != nil {
		return "", fmt.Errorf("event %s: encode: %w", typ, err)
	}
	when := formatTime(at)
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_events(id, type, created_at, device_id, body) VALUES (?, ?, ?, ?, ?)`,
		ev.ID, typ, when, deviceID, string(body)); err != nil {
		return "", fmt.Errorf("event %s: %w", typ, err)
	}
	for _, id := range to {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries(webhook_id, event_id, state, next_at, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, ev.ID, DeliveryPending, when, when); err != nil {
			return "", fmt.Errorf("event %s: delivery to %s: %w", typ, id, err)
		}
	}
	if n, ok := ctx.Value(outboxKey{}).(*outboxNote); ok {
		n.wrote = true
	}
	return ev.ID, nil
}

// emitVerdictEvent writes device.safe or device.at_risk when a report moves
// the phone across the safe line (or is its first).
func emitVerdictEvent(ctx context.Context, tx *sql.Tx, cur current, key stateKey, u *Update) error {
	wasSafe := cur.key.verdict == protocol.VerdictSafe
	isSafe := key.verdict == protocol.VerdictSafe
	if cur.hasState && wasSafe == isSafe {
		return nil
	}
	typ := EventDeviceAtRisk
	if isSafe {
		typ = EventDeviceSafe
	}
	d := DeviceEventData{DeviceID: u.DeviceID, Verdict: string(key.verdict), RiskKinds: []string{}}
	if cur.hasState {
		d.PreviousVerdict = string(cur.key.verdict)
	}
	for _, k := range splitKinds(key.riskKinds) {
		d.RiskKinds = append(d.RiskKinds, string(k))
	}
	if err := readIdentity(ctx, tx, u.DeviceID, &d.Serial, &d.Manufacturer, &d.Model, &d.Lot); err != nil {
		return err
	}
	return emitEvent(ctx, tx, typ, u.ReceivedAt, u.DeviceID, d)
}

// emitReleaseEvent writes release.<outcome> when a release finishes.
func emitReleaseEvent(ctx context.Context, tx *sql.Tx, old, r ReleaseRecord) error {
	typ := "release." + r.Outcome
	switch {
	case old.Outcome == OutcomeReleased && r.Outcome != OutcomeReleased:
		typ = EventReleaseLockedAfterReset
	case r.Outcome == "" && old.Stage != StageOnHold && r.Stage == StageOnHold:
		typ = EventReleaseHeld
	case r.Outcome == "" && old.Stage == StageOnHold && r.Stage != StageOnHold:
		typ = EventReleaseHoldResolved
	case old.Outcome != "" || r.Outcome == "":
		return nil
	}
	if !slices.Contains(WebhookEventTypes, typ) {
		return nil
	}
	d := ReleaseEventData{ReleaseID: r.ID, DeviceID: r.DeviceID, Operator: r.Operator, Outcome: r.Outcome,
		CreatedAt: r.CreatedAt.UTC(), FinishedAt: r.FinishedAt.UTC()}
	// A released phone's reason is the agent's own text; keep the
	// controller's words (stages, risk kinds) only, as the audit trail does.
	if r.Outcome != OutcomeReleased {
		d.Reason = r.Reason
	}
	if typ == EventReleaseHeld {
		d.Reason = r.HoldReason
	}
	if err := readIdentity(ctx, tx, r.DeviceID, &d.Serial, &d.Manufacturer, &d.Model, &d.Lot); err != nil {
		return err
	}
	return emitEvent(ctx, tx, typ, r.UpdatedAt, r.DeviceID, d)
}

// readIdentity reads what an event says of a phone: its identity and lot.
func readIdentity(ctx context.Context, tx *sql.Tx, id string, serial, maker, model, lot *string) error {
	err := tx.QueryRowContext(ctx, `SELECT d.serial, d.manufacturer, d.model, COALESCE(l.lot_id, '')
		FROM devices d LEFT JOIN lot_devices l ON l.device_id = d.id WHERE d.id = ?`, id).Scan(serial, maker, model, lot)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read identity of %s: %w", id, err)
	}
	return nil
}

func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// outboxNote records, for one write transaction, whether it wrote
// deliveries, so that the worker is woken after the commit and only then.
type (
	outboxNote struct{ wrote bool }
	outboxKey  struct{}
)

func withOutbox(ctx context.Context) (context.Context, *outboxNote) {
	n := &outboxNote{}
	return context.WithValue(ctx, outboxKey{}, n), n
}

// notifyOutbox wakes the webhook worker after a commit that wrote
// deliveries; a wake already waiting covers this one.
func (s *Store) notifyOutbox(n *outboxNote) {
	if !n.wrote {
		return
	}
	select {
	case s.outboxWake <- struct{}{}:
	default:
	}
}

// OutboxWake receives a value after a commit that wrote webhook deliveries.
// Wakes coalesce: one value may stand for many commits.
func (s *Store) OutboxWake() <-chan struct{} { return s.outboxWake }
