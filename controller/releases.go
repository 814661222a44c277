package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

// releaseSweepEvery is how often every unfinished release is looked at, for
// deadlines and anything no report or event announced. Between sweeps a
// release moves when a report or command event of its device is written.
const releaseSweepEvery = 2 * time.Second

// releaseWorkers bounds the releases advanced at once.
const releaseWorkers = 32

// deviceSet gathers device IDs between two runs of the release loop.
type deviceSet struct {
	mu   sync.Mutex
	ids  map[string]struct{}
	wake chan struct{}
}

func newDeviceSet() *deviceSet {
	return &deviceSet{ids: make(map[string]struct{}), wake: make(chan struct{}, 1)}
}

// add never blocks.
func (d *deviceSet) add(ids map[string]struct{}) {
	d.mu.Lock()
	for id := range ids {
		d.ids[id] = struct{}{}
	}
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *deviceSet) take() map[string]struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := d.ids
	d.ids = make(map[string]struct{})
	return ids
}

// runReleases moves releases on: those of the devices whose reports or
// events were just written, at once, and all of them every sweep.
func (c *Controller) runReleases(ctx context.Context) {
	sweep := time.NewTicker(releaseSweepEvery)
	defer sweep.Stop()
	c.advanceReleases(ctx, nil)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.releaseWake.wake:
			if ids := c.releaseWake.take(); len(ids) > 0 {
				c.advanceReleases(ctx, ids)
			}
		case <-sweep.C:
			c.advanceReleases(ctx, nil)
		}
	}
}

// ReleaseRequest asks for phones to be released.
type ReleaseRequest struct {
	DeviceIDs []string `json:"device_ids"`
	// Operator is the authenticated operator who runs the release; it
	// appears in the audit trail and on the certificate.
	Operator string `json:"operator"`
	// Note is free text for the audit trail; it never names who acted.
	Note string `json:"note,omitempty"`
	// Timeout bounds each phone's release; a phone still bound then fails.
	Timeout time.Duration `json:"timeout"`
}

// ErrNoOperator is returned for a release request that does not say who runs it.
var ErrNoOperator = errors.New("a release needs an operator")

// StartReleases creates a release for each device (or returns the one
// already running for it). The workflow itself runs in the background.
func (c *Controller) StartReleases(ctx context.Context, req ReleaseRequest) ([]registry.ReleaseRecord, error) {
	if req.Operator == "" {
		return nil, ErrNoOperator
	}
	if req.Timeout <= 0 {
		req.Timeout = c.cfg.ReleaseTimeout
	}
	running, err := c.reg.UnfinishedReleases(ctx)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	byDevice := map[string]registry.ReleaseRecord{}
	for _, r := range running {
		byDevice[r.DeviceID] = r
	}
	var out []registry.ReleaseRecord
	for _, id := range req.DeviceIDs {
		if r, ok := byDevice[id]; ok {
			out = append(out, r)
			continue
		}
		if _, err := c.reg.Device(ctx, id); err != nil {
			if errors.Is(err, registry.ErrNotFound) {
				return out, fmt.Errorf("%w: %s", ErrUnknownDevice, id)
			}
			return out, err
		}
		now := c.cfg.Now().UTC()
		r := registry.ReleaseRecord{
			ID: newCommandID(), DeviceID: id, Operator: req.Operator, Stage: string(release.StageVerify),
			CreatedAt: now, UpdatedAt: now, Deadline: now.Add(req.Timeout), Note: req.Note,
		}
		if err := c.reg.CreateRelease(ctx, r); err != nil {
			return out, fmt.Errorf("create release of %s: %w", id, err)
		}
		byDevice[id] = r
		out = append(out, r)
	}
	started := make(map[string]struct{}, len(out))
	for _, r := range out {
		started[r.DeviceID] = struct{}{}
	}
	c.releaseWake.add(started)
	return out, nil
}

// advanceReleases moves unfinished releases one step: those of the given
// devices, or every one when devices is nil.
func (c *Controller) advanceReleases(ctx context.Context, devices map[string]struct{}) {
	rs, err := c.reg.UnfinishedReleases(ctx)
	if err != nil {
		c.log.Warn("releases: list", "err", err)
		return
	}
	// Releases are independent: advance them side by side, so that one
	// phone's round trip to the broker does not wait for another's.
	sem := make(chan struct{}, releaseWorkers)
	var wg sync.WaitGroup
	for _, r := range rs {
		if _, ok := devices[r.DeviceID]; devices != nil && !ok {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := c.advance(ctx, r); err != nil && ctx.Err() == nil {
				c.log.Warn("releases: advance", "device", r.DeviceID, "release", r.ID, "err", err)
			}
		}()
	}
	wg.Wait()
}

func (c *Controller) advance(ctx context.Context, rec registry.ReleaseRecord) error {
	now := c.cfg.Now().UTC()
	cur := release.Release{
		Stage: release.Stage(rec.Stage), CommandID: rec.CommandID, StageSince: rec.UpdatedAt,
		Deadline: rec.Deadline, Reason: rec.Reason,
	}
	obs := release.Observed{Now: now, MaxReportAge: c.cfg.MaxReportAge}
	if rec.CommandID != "" {
		cmd, err := c.reg.Command(ctx, rec.CommandID)
		switch {
		case err == nil:
			obs.Command = &release.Command{ID: cmd.ID, Kind: cmd.Kind, State: protocol.CommandState(cmd.State), Detail: lastDetail(cmd)}
			// A report answers this stage only if it came after its command.
			cur.StageSince = cmd.IssuedAt
		case errors.Is(err, registry.ErrNotFound) && cur.Stage == release.StageReset:
			// The reset was decided but never recorded (a crash in between):
			// whatever was true then, decide again on what is true now.
			rec.Stage, rec.CommandID, rec.UpdatedAt = string(release.StageVerify), newCommandID(), now
			if err := c.reg.UpdateRelease(ctx, rec); err != nil {
				return fmt.Errorf("save release %s: %w", rec.ID, err)
			}
			return c.sendFor(ctx, rec, protocol.CommandRefresh)
		case errors.Is(err, registry.ErrNotFound):
			// Persisted but never recorded (a crash in between): send it now,
			// under the same ID so that it cannot run twice.
			return c.sendFor(ctx, rec, kindFor(cur.Stage))
		default:
			return err
		}
	}
	dev, err := c.reg.Device(ctx, rec.DeviceID)
	if err != nil {
		return err
	}
	if dev.State != nil {
		obs.Report, obs.ReportAt = dev.State, dev.StateAt
	}
	next, effects := release.Next(cur, obs)
	if next == cur && len(effects) == 0 {
		return nil
	}
	rec.Stage, rec.Reason, rec.UpdatedAt = string(next.Stage), next.Reason, now
	if len(effects) > 0 {
		rec.CommandID = newCommandID()
	}
	if next.Stage.Terminal() {
		rec.Outcome, rec.FinishedAt = string(next.Stage), now
	}
	// The new state is on disk before anything is sent.
	if err := c.reg.UpdateRelease(ctx, rec); err != nil {
		return fmt.Errorf("save release %s: %w", rec.ID, err)
	}
	for _, e := range effects {
		if err := c.sendFor(ctx, rec, e.Send); err != nil {
			return err
		}
	}
	return nil
}

func (c *Controller) sendFor(ctx context.Context, rec registry.ReleaseRecord, kind protocol.CommandKind) error {
	if kind == "" {
		return nil
	}
	_, err := c.issue(ctx, rec.DeviceID, kind, rec.CommandID, "")
	return err
}

// kindFor is the command a stage waits for.
func kindFor(s release.Stage) protocol.CommandKind {
	switch s {
	case release.StageSignOut:
		return protocol.CommandSignOut
	case release.StageFindDevice:
		return protocol.CommandDisableFindDevice
	case release.StageReset:
		return protocol.CommandFactoryReset
	case release.StageVerify:
		return protocol.CommandRefresh
	}
	return ""
}

func lastDetail(cmd registry.CommandRecord) string {
	for i := len(cmd.Transitions) - 1; i >= 0; i-- {
		if d := cmd.Transitions[i].Detail; d != "" {
			return d
		}
	}
	return ""
}
