package controller

import (
	"context"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// afterResetWindow is how long after its release a phone's reports are
// read for what they show of its reset. A previous owner's remote unlink
// or account deletion can take about 30 days.
const afterResetWindow = 30 * 24 * time.Hour

// watchAfterReset reads the new reports of recently released phones for
// what they show of the reset: seen clean, the strongest evidence; or seen
// locked, which fails the release, supersedes its certificates and fires
// release.locked_after_reset. It runs in the release loop, on the devices
// whose reports were just written.
func (c *Controller) watchAfterReset(ctx context.Context, devices map[string]struct{}) {
	ids := make([]string, 0, len(devices))
	for id := range devices {
		ids = append(ids, id)
	}
	now := c.cfg.Now().UTC()
	recs, err := c.reg.RecentlyReleasedOf(ctx, ids, now.Add(-afterResetWindow))
	if err != nil || len(recs) == 0 {
		if err != nil && ctx.Err() == nil {
			c.log.Warn("releases: read released phones", "err", err)
		}
		return
	}
	in, err := c.reg.ReleaseInputsOf(ctx, recs)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("releases: read released phones", "err", err)
		}
		return
	}
	c.releaseMu.Lock()
	defer c.releaseMu.Unlock()
	for _, rec := range recs {
		dev, ok := in.Devices[rec.DeviceID]
		if !ok {
			continue
		}
		next, changed := release.AfterReset(releaseOf(rec), rec.FinishedAt, dev.State, dev.StateAt)
		if !changed {
			// A report from the boot before the reset can take away what
			// an operator's confirmation gave: the certificate follows.
			c.certifyReleased(ctx, rec)
			continue
		}
		rec.Stage, rec.Outcome, rec.Reason = string(next.Stage), string(next.Stage), next.Reason
		rec.UpdatedAt = now
		rec.Evidence = evidenceRecords(next.Evidence)
		step := registry.ReleaseStep{Release: rec, Actor: registry.AgentActor(rec.DeviceID)}
		if err := c.reg.StepReleases(ctx, []registry.ReleaseStep{step}); err != nil {
			if ctx.Err() == nil {
				c.log.Warn("releases: record what the phone showed after its reset", "device", rec.DeviceID, "release", rec.ID, "err", err)
			}
			continue
		}
		c.log.Info("seen after its reset", "device", rec.DeviceID, "release", rec.ID, "evidence", next.Evidence[len(next.Evidence)-1].Kind)
		c.publishReleases(rec.DeviceID)
		// Seen clean, a release the certificate rules refused at its end
		// (its watch expired) may now rest on this evidence.
		c.certifyReleased(ctx, rec)
	}
}
