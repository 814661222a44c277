package controller

import (
	"context"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// redeliverAfter is how long a sent command may go unacknowledged before it
// is sent again.
const redeliverAfter = 5 * time.Second

// dispatchSweepEvery is the net under the wakes: how often the waiting
// commands are looked at when nothing announced a change and none is due.
const dispatchSweepEvery = 30 * time.Second

// dispatchMinWait keeps a command that is due but cannot be acted on (its
// device is offline) from being looked at more than once a second.
const dispatchMinWait = time.Second

// runDispatch runs dispatch: at start, so that nothing queued is forgotten
// across a restart; when a device came online or a command was queued for an
// offline device (c.dispatchWake); when the next waiting command is due by time alone (it
// expires, or went unacknowledged for redeliverAfter); at a Tick; and every
// dispatchSweepEvery as a net.
func (c *Controller) runDispatch(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	var ack chan struct{}
	for {
		next := c.dispatch(ctx)
		if ack != nil {
			close(ack)
			ack = nil
		}
		wait := dispatchSweepEvery
		if !next.IsZero() {
			wait = min(max(next.Sub(c.cfg.Now()), dispatchMinWait), dispatchSweepEvery)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-c.dispatchWake:
		case <-timer.C:
		case req := <-c.dispatchTicks:
			ack = req.done
		}
	}
}

// wakeDispatch has the dispatcher look at the waiting commands now. It
// never blocks.
func (c *Controller) wakeDispatch() {
	select {
	case c.dispatchWake <- struct{}{}:
	default:
	}
}

// dispatch delivers commands queued for devices that were offline, once they
// are online, and times out those that expired before delivery. It returns
// when the earliest command still waiting is due by time alone (zero: none
// waits).
func (c *Controller) dispatch(ctx context.Context) (next time.Time) {
	cmds, err := c.reg.WaitingCommands(ctx)
	if err != nil {
		if ctx.Err() == nil { // stopping is no failure
			c.log.Warn("dispatch: list commands waiting for delivery", "err", err)
		}
		return time.Time{}
	}
	due := func(at time.Time) {
		if next.IsZero() || at.Before(next) {
			next = at
		}
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
			if rec.State == protocol.CommandSent {
				due(w.LastStep.Add(redeliverAfter))
			}
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
			due(rec.ExpiresAt) // delivered when it comes online (a wake)
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
			due(now) // try again after dispatchMinWait
			continue
		}
		due(now.Add(redeliverAfter)) // unless it is acknowledged by then
	}
	return next
}
