package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Paths of the webhook API.
const (
	PathWebhooks = "/api/v1/webhooks"
	// PathWebhookDeliveries lists deliveries (?webhook=ID&state=S&limit=N).
	PathWebhookDeliveries = "/api/v1/webhooks/deliveries"
)

// WebhookRemovePath is POST /api/v1/webhooks/{id}/remove.
func WebhookRemovePath(id string) string { return PathWebhooks + "/" + url.PathEscape(id) + "/remove" }

// WebhookTestPath is POST /api/v1/webhooks/{id}/test.
func WebhookTestPath(id string) string { return PathWebhooks + "/" + url.PathEscape(id) + "/test" }

// WebhookRequest is the body of POST /api/v1/webhooks.
type WebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// Webhook is a receiver of signed events. Secret is set only in the answer
// that created it.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

// WebhooksBody is the answer to GET /api/v1/webhooks.
type WebhooksBody struct {
	Webhooks []Webhook `json:"webhooks"`
}

// WebhookTest is the answer to POST /api/v1/webhooks/{id}/test.
type WebhookTest struct {
	EventID string `json:"event_id"`
}

// WebhookDelivery is one event for one webhook and how sending it went.
type WebhookDelivery struct {
	ID          int64     `json:"id"`
	WebhookID   string    `json:"webhook_id"`
	EventID     string    `json:"event_id"`
	EventType   string    `json:"event_type"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAt      time.Time `json:"next_at,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	LastAt      time.Time `json:"last_at,omitzero"`
	LastStatus  int       `json:"last_status,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// WebhookDeliveriesBody is the answer to GET /api/v1/webhooks/deliveries.
type WebhookDeliveriesBody struct {
	Deliveries []WebhookDelivery `json:"deliveries"`
}

// DeliveryFilter selects deliveries; set fields combine with AND.
type DeliveryFilter struct {
	WebhookID string
	State     string
	// Limit keeps the newest Limit; 0 means the server's default.
	Limit int
}

// AddWebhook subscribes a URL to events and returns the webhook with its
// secret, shown once (admin).
func (c *Client) AddWebhook(ctx context.Context, req WebhookRequest) (Webhook, error) {
	var w Webhook
	err := c.do(ctx, http.MethodPost, PathWebhooks, req, &w)
	return w, err
}

// Webhooks lists the webhooks, removed ones included.
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var body WebhooksBody
	err := c.do(ctx, http.MethodGet, PathWebhooks, nil, &body)
	return body.Webhooks, err
}

// RemoveWebhook stops a webhook; its pending deliveries end canceled (admin).
func (c *Client) RemoveWebhook(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, WebhookRemovePath(id), struct{}{}, nil)
}

// TestWebhook sends a webhook.test event to one webhook (admin).
func (c *Client) TestWebhook(ctx context.Context, id string) (WebhookTest, error) {
	var t WebhookTest
	err := c.do(ctx, http.MethodPost, WebhookTestPath(id), struct{}{}, &t)
	return t, err
}

// WebhookDeliveries lists deliveries matching f, oldest first.
func (c *Client) WebhookDeliveries(ctx context.Context, f DeliveryFilter) ([]WebhookDelivery, error) {
	q := url.Values{}
	if f.WebhookID != "" {
		q.Set("webhook", f.WebhookID)
	}
	if f.State != "" {
		q.Set("state", f.State)
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	path := PathWebhookDeliveries
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var body WebhookDeliveriesBody
	err := c.do(ctx, http.MethodGet, path, nil, &body)
	return body.Deliveries, err
}
