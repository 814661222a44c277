package controller

import (
	"context"
	"time"

	"github.com/unbind/unbind/controller/registry"
)

// dispatchEvery is how often queued commands are matched with online devices
// and expired ones are closed.
const dispatchEvery = time.Second

// dispatch delivers commands queued for devices that were offline, once they
// are online, and times out those that expired before delivery. It also runs
// right after a restart, so nothing queued is forgotten.
func (c *Controller) dispatch(ctx context.Context) {
	cmds, err := c.reg.Commands(ctx, "")
	if err != nil {
		c.log.Warn("dispatch: list commands", "err", err)
		return
	}
	now := c.cfg.Now().UTC()
	online := map[string]bool{}
	for _, rec := range cmds {
		if rec.State != registry.CommandQueued {
			continue
		}
		if !now.Before(rec.ExpiresAt) {
			if err := c.reg.SetCommandState(ctx, rec.ID, registry.CommandTimedOut, now, "expired before delivery"); err != nil {
				c.log.Warn("dispatch: expire command", "cmd_id", rec.ID, "err", err)
			}
			continue
		}
		on, ok := online[rec.DeviceID]
		if !ok {
			d, err := c.reg.Device(ctx, rec.DeviceID)
			on = err == nil && d.Online
			online[rec.DeviceID] = on
		}
		if !on {
			continue
		}
		if err := c.deliver(ctx, commandOf(rec)); err != nil {
			c.log.Warn("dispatch: deliver", "cmd_id", rec.ID, "device", rec.DeviceID, "err", err)
		}
	}
}

// every runs f now and then every d until ctx ends.
func every(ctx context.Context, d time.Duration, f func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		f(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
