package controller

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/webhooks"
)

// ErrBadWebhook: a webhook's URL is not http(s) or an event type is unknown.
var ErrBadWebhook = errors.New("bad webhook")

// startWebhooks runs the delivery worker until ctx ends; Close waits for it
// before closing the registry, so an acknowledged attempt is always recorded.
func (c *Controller) startWebhooks(ctx context.Context) {
	w := webhooks.New(webhooks.Config{
		Store: c.reg, Wake: c.reg.OutboxWake(), Policy: c.cfg.Webhooks, Logger: c.log, Now: c.cfg.Now,
		Destinations: c.webhookDestinations(),
		UserAgent:    "unbind-webhooks/" + c.cfg.Version,
	})
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		w.Run(ctx)
	}()
}

// webhookDestinations is where webhooks may post: never this machine's
// loopback (unless WebhookAllowLoopback), the controller's own ports
// (Config.OwnPorts and the broker's), link-local or metadata addresses (see
// webhooks.Destinations).
func (c *Controller) webhookDestinations() webhooks.Destinations {
	d := webhooks.Destinations{AllowLoopback: c.cfg.WebhookAllowLoopback}
	d.OwnPorts = append(d.OwnPorts, c.cfg.OwnPorts...)
	if c.broker != nil {
		if u, err := url.Parse(c.broker.URL()); err == nil {
			if p, err := strconv.Atoi(u.Port()); err == nil {
				d.OwnPorts = append(d.OwnPorts, p)
			}
		}
	}
	return d
}

// AddWebhook subscribes url to events and returns the webhook with its
// signing secret, which the caller shows once.
func (c *Controller) AddWebhook(ctx context.Context, url string, events []string, actor string) (registry.Webhook, error) {
	url = strings.TrimSpace(url)
	if err := registry.CheckWebhookURL(url); err != nil {
		return registry.Webhook{}, fmt.Errorf("%w: %w", ErrBadWebhook, err)
	}
	if err := c.webhookDestinations().CheckURL(url); err != nil {
		return registry.Webhook{}, fmt.Errorf("%w: %w", ErrBadWebhook, err)
	}
	if err := registry.CheckWebhookEvents(events); err != nil {
		return registry.Webhook{}, fmt.Errorf("%w: %w", ErrBadWebhook, err)
	}
	w := registry.Webhook{
		ID: newCommandID(), URL: url, Events: events, Secret: "whsec_" + randomSecret(),
		CreatedAt: c.cfg.Now().UTC(), CreatedBy: actor,
	}
	if err := c.reg.AddWebhook(ctx, w, actor); err != nil {
		return registry.Webhook{}, err
	}
	return w, nil
}

// Webhooks lists the webhooks, removed ones included.
func (c *Controller) Webhooks(ctx context.Context) ([]registry.Webhook, error) {
	return c.reg.Webhooks(ctx)
}

// RemoveWebhook stops a webhook and cancels its pending deliveries.
func (c *Controller) RemoveWebhook(ctx context.Context, id, actor string) error {
	return c.reg.RemoveWebhook(ctx, id, actor, c.cfg.Now().UTC())
}

// TestWebhook queues a webhook.test event for one webhook and returns its
// event ID.
func (c *Controller) TestWebhook(ctx context.Context, id string) (string, error) {
	return c.reg.TestWebhook(ctx, id, c.cfg.Now().UTC())
}

// WebhookDeliveries lists deliveries matching f.
func (c *Controller) WebhookDeliveries(ctx context.Context, f registry.DeliveryFilter) ([]registry.Delivery, error) {
	return c.reg.Deliveries(ctx, f)
}
