package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// ErrNotHoldable: the release has ended, or its reset was already sent.
var ErrNotHoldable = release.ErrNotHoldable

// HoldRelease puts a running release on hold in the name of operator, with
// note as its reason: it waits, is re-checked whenever the phone reports
// and every release.HoldRecheck, and goes on the moment the phone shows
// clean. A release whose reset was sent, or that ended, gives
// ErrNotHoldable.
func (c *Controller) HoldRelease(ctx context.Context, id, operator, note string) (registry.ReleaseRecord, error) {
	c.releaseMu.Lock()
	defer c.releaseMu.Unlock()
	rec, err := c.operatorsRelease(ctx, "hold", id, operator, note)
	if err != nil {
		return rec, err
	}
	now := c.cfg.Now().UTC()
	next, err := release.Hold(releaseOf(rec), now, note)
	if err != nil {
		return rec, fmt.Errorf("hold release %s: %w", id, err)
	}
	old := rec.CommandID
	rec.Stage, rec.Reason, rec.HoldReason, rec.Deadline = string(next.Stage), next.Reason, next.HoldReason, next.Deadline
	rec.HeldSince = next.HeldSince
	rec.UpdatedAt, rec.CommandID = now, ""
	step := registry.ReleaseStep{Release: rec, Actor: registry.OperatorActor(operator), Note: note}
	if err := c.reg.StepReleases(ctx, []registry.ReleaseStep{step}); err != nil {
		return rec, fmt.Errorf("hold release %s: %w", id, err)
	}
	if old != "" {
		// The guidance the person no longer follows stops.
		if _, err := c.Cancel(ctx, old); err != nil && ctx.Err() == nil &&
			!errors.Is(err, ErrCommandFinished) && !errors.Is(err, ErrUnknownCommand) {
			c.log.Warn("release on hold, its command not canceled", "device", rec.DeviceID, "cmd_id", old, "err", err)
		}
	}
	c.publishReleases(rec.DeviceID)
	return rec, nil
}

// Hold is one release waiting on hold.
type Hold struct {
	registry.ReleaseRecord
	// NextCheck is when it asks the phone again if the phone does not
	// report first.
	NextCheck time.Time
}

// Holds lists the releases on hold, oldest first.
func (c *Controller) Holds(ctx context.Context) ([]Hold, error) {
	recs, err := c.reg.HeldReleases(ctx)
	if err != nil {
		return nil, fmt.Errorf("holds: %w", err)
	}
	out := make([]Hold, 0, len(recs))
	for _, r := range recs {
		out = append(out, Hold{ReleaseRecord: r, NextCheck: r.Deadline})
	}
	return out, nil
}

// Now is the controller's clock (Config.Now), for readers such as the
// metrics that report ages.
func (c *Controller) Now() time.Time { return c.cfg.Now() }
