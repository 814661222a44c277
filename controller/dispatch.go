package controller

import (
	"context"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// dispatchEvery is how often queued commands are matched with online devices
// and expired ones are closed.
const dispatchEvery = time.Second

// redeliverAfter is how long a sent command may go unacknowledged before it
// is sent again.
const redeliverAfter = 5 * time.Second

// dispatch delivers commands queued for devices that were offline, once they
// are online, and times out those that expired before delivery. It also runs
// right after a restart, so nothing queued is forgotten.
func (c *Controller) dispatch(ctx context.Context) {
	cmds, err := c.reg.WaitingCommands(ctx)
	if err != nil {
		if ctx.Err() == nil { // stopping is no failure
			c.log.Warn("dispatch: list commands waiting for delivery", "err", err)
		}
		return
	}
	now := c.cfg.Now().UTC()
	devices := map[string]*registry.Device{}
	for _, w := range cmds {
		rec := w.CommandRecord
		// A command marked sent that the agent never acknowledged may have
		// died with a broker or controller restart: send it again. The agent
		// runs a command ID at most once, so this cannot run anything twice.
		resend := rec.State == protocol.CommandSent && now.Sub(w.LastStep) >= redeliverAfter
		if rec.State != protocol.CommandQueued && !resend {
			continue
		}
		if !now.Before(rec.ExpiresAt) {
			if err := c.reg.SetCommandState(ctx, rec.ID, protocol.CommandTimedOut, now, "expired before delivery"); err != nil {
				c.log.Warn("dispatch: expire command", "cmd_id", rec.ID, "err", err)
			}
			c.wakeReleases(rec.DeviceID)
			continue
		}
		dev, ok := devices[rec.DeviceID]
		if !ok {
			if d, err := c.reg.Device(ctx, rec.DeviceID); err == nil {
				dev = &d
			}
			devices[rec.DeviceID] = dev
		}
		if dev == nil || !dev.Online {
			continue
		}
		if rec.Kind == protocol.CommandFactoryReset {
			// What was safe when the reset was queued may not be now.
			if err := resetAllowed(*dev, now, c.cfg.MaxReportAge); err != nil {
				if err := c.reg.SetCommandState(ctx, rec.ID, protocol.CommandFailed, now, "interlock: "+err.Error()); err != nil {
					c.log.Warn("dispatch: fail command", "cmd_id", rec.ID, "err", err)
				}
				c.wakeReleases(rec.DeviceID)
				continue
			}
		}
		if resend {
			c.log.Info("dispatch: sending unacknowledged command again", "cmd_id", rec.ID, "device", rec.DeviceID)
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
