package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// releaseDueEvery is how often the running releases are checked for what
// time alone changes (release.DueByTime: a deadline passed, a busy phone's
// pause over); only those are decided. A release otherwise moves when a
// report, presence change or command event of its device is written, or
// when the controller itself ends one of its commands.
const releaseDueEvery = 2 * time.Second

// releaseSweepEvery is how often every running release is decided, whatever
// was announced: the net under the events, and what repairs a release left
// half-written by a crash.
const releaseSweepEvery = 30 * time.Second

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
// events were just written, at once; those time alone moves, every
// releaseDueEvery; all of them every releaseSweepEvery.
func (c *Controller) runReleases(ctx context.Context) {
	due := time.NewTicker(releaseDueEvery)
	defer due.Stop()
	sweep := time.NewTicker(releaseSweepEvery)
	defer sweep.Stop()
	c.advanceReleases(ctx, nil, nil)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.releaseWake.wake:
			if ids := c.releaseWake.take(); len(ids) > 0 {
				c.advanceReleases(ctx, ids, nil)
				c.watchAfterReset(ctx, ids)
			}
		case <-due.C:
			c.advanceDueReleases(ctx)
		case req := <-c.releaseTicks:
			c.advanceReleases(ctx, nil, nil) // a sweep: what is due, and the rest
			close(req.done)
		case <-sweep.C:
			c.advanceReleases(ctx, nil, nil)
		}
	}
}

// advanceDueReleases decides the releases time alone moves.
func (c *Controller) advanceDueReleases(ctx context.Context) {
	now := c.cfg.Now().UTC()
	c.advanceReleases(ctx, nil, func(r registry.ReleaseRecord) bool { return release.DueByTime(releaseOf(r), now) })
}

// wakeReleases has the release loop look at a device's release now: the
// controller changed something its release reads (a command ended) without
// going through ingest.
func (c *Controller) wakeReleases(deviceID string) {
	c.releaseWake.add(map[string]struct{}{deviceID: {}})
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
	// Restart cancels a phone's running release first (unless its reset
	// was sent), so that the new one runs with this request's timeout.
	Restart bool `json:"restart,omitempty"`
	// HoldOnTimeout puts a release on hold rather than failed when it
	// cannot finish by its timeout or meets a lock only someone elsewhere
	// can clear.
	HoldOnTimeout bool `json:"hold_on_timeout,omitempty"`
}

// ErrNoOperator is returned for a release request that does not say who runs it.
var ErrNoOperator = errors.New("a release needs an operator")

// StartedRelease is one phone's release as StartReleases answers: created by
// the request, or Kept: already running and left as it was.
type StartedRelease struct {
	registry.ReleaseRecord
	Kept bool
}

// StartReleases creates a release for each device (or returns the one
// already running for it, Kept). The workflow itself runs in the
// background. A note that is not printable text is ErrBadName.
func (c *Controller) StartReleases(ctx context.Context, req ReleaseRequest) ([]StartedRelease, error) {
	if req.Operator == "" {
		return nil, ErrNoOperator
	}
	if err := ValidateNote(req.Note); err != nil {
		return nil, err
	}
	if req.Timeout <= 0 {
		req.Timeout = c.cfg.ReleaseTimeout
	}
	if req.Restart && len(req.DeviceIDs) > 0 {
		if _, err := c.CancelReleases(ctx, req.DeviceIDs, req.Operator); err != nil {
			return nil, fmt.Errorf("restart releases: %w", err)
		}
	}
	running, err := c.reg.UnfinishedReleases(ctx)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	byDevice := map[string]registry.ReleaseRecord{}
	wasRunning := map[string]bool{}
	for _, r := range running {
		byDevice[r.DeviceID] = r
		wasRunning[r.DeviceID] = true
	}
	var out []StartedRelease
	var created []registry.ReleaseRecord
	now := c.cfg.Now().UTC()
	// The releases this request creates are one batch, followed together.
	batch := newCommandID()
	for _, id := range req.DeviceIDs {
		if r, ok := byDevice[id]; ok {
			// Kept if it was running before this request, not if the
			// request names the phone twice.
			out = append(out, StartedRelease{ReleaseRecord: r, Kept: wasRunning[id]})
			continue
		}
		r := registry.ReleaseRecord{
			ID: newCommandID(), DeviceID: id, BatchID: batch, Operator: req.Operator, Stage: string(release.StageVerify),
			CreatedAt: now, UpdatedAt: now, Deadline: now.Add(req.Timeout), Note: req.Note,
			HoldOnTimeout: req.HoldOnTimeout,
		}
		byDevice[id] = r
		out = append(out, StartedRelease{ReleaseRecord: r})
		created = append(created, r)
	}
	// One transaction for the whole request: every release is created, or
	// none (an unknown device refuses the request).
	if err := c.reg.CreateReleases(ctx, created); err != nil {
		if errors.Is(err, registry.ErrNotFound) {
			return nil, c.missingDevice(ctx, created, err)
		}
		return nil, fmt.Errorf("create %d releases: %w", len(created), err)
	}
	started := make(map[string]struct{}, len(out))
	for _, r := range out {
		started[r.DeviceID] = struct{}{}
	}
	c.releaseWake.add(started)
	c.events.devices(EventRelease, started)
	c.announce(changeRelease, started)
	return out, nil
}

// missingDevice names the first device of rs the registry does not hold,
// after creating their releases failed with err for a missing device.
func (c *Controller) missingDevice(ctx context.Context, rs []registry.ReleaseRecord, err error) error {
	for _, r := range rs {
		if _, lookErr := c.reg.Device(ctx, r.DeviceID); errors.Is(lookErr, registry.ErrNotFound) {
			return DeviceNotFoundError{DeviceID: r.DeviceID}
		}
	}
	return fmt.Errorf("create %d releases: %w", len(rs), err)
}

func lastDetail(cmd registry.CommandRecord) string {
	for i := len(cmd.Transitions) - 1; i >= 0; i-- {
		if d := cmd.Transitions[i].Detail; d != "" {
			return d
		}
	}
	return ""
}
