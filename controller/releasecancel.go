package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// CancelResult is what canceling did to one release.
type CancelResult struct {
	Release registry.ReleaseRecord
	// Canceled is false for a release left alone: one already past the
	// point of no return (a reset was sent), which is never interrupted.
	Canceled bool
}

// CancelReleases cancels the unfinished releases of deviceIDs (every
// unfinished release when deviceIDs is nil), in the name of operator. A
// release whose factory reset was already sent is not interrupted. The
// command a canceled release was waiting for is canceled too, so that the
// person at the phone is no longer guided.
func (c *Controller) CancelReleases(ctx context.Context, deviceIDs []string, operator string) ([]CancelResult, error) {
	if operator == "" {
		return nil, ErrNoOperator
	}
	// The release loop must not step a release while it is canceled, or
	// its older view would overwrite the cancel.
	c.releaseMu.Lock()
	defer c.releaseMu.Unlock()
	running, err := c.reg.UnfinishedReleases(ctx)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	now := c.cfg.Now().UTC()
	var out []CancelResult
	var steps []registry.ReleaseStep
	for _, r := range running {
		if deviceIDs != nil && !slices.Contains(deviceIDs, r.DeviceID) {
			continue
		}
		if release.Stage(r.Stage) == release.StageReset {
			out = append(out, CancelResult{Release: r})
			continue
		}
		r.Stage, r.Outcome = string(release.StageCanceled), string(release.StageCanceled)
		r.Reason, r.UpdatedAt, r.FinishedAt = "canceled by "+operator, now, now
		steps = append(steps, registry.ReleaseStep{Release: r, Actor: registry.OperatorActor(operator)})
		out = append(out, CancelResult{Release: r, Canceled: true})
	}
	if err := c.reg.StepReleases(ctx, steps); err != nil {
		return nil, fmt.Errorf("cancel %d releases: %w", len(steps), err)
	}
	c.publishReleases(steppedDevices(steps)...)
	for _, st := range steps {
		if st.Release.CommandID == "" {
			continue
		}
		if _, err := c.Cancel(ctx, st.Release.CommandID); err != nil &&
			!errors.Is(err, ErrCommandFinished) && !errors.Is(err, ErrUnknownCommand) {
			c.log.Warn("release canceled, its command not", "device", st.Release.DeviceID, "cmd_id", st.Release.CommandID, "err", err)
		}
	}
	return out, nil
}
