package controller

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

// releaseBatch bounds the release moves saved in one transaction, so that
// ingest is not kept from the writer for long.
const releaseBatch = 1000

// publishWorkers bounds the commands waiting for the broker's ack at once.
const publishWorkers = 256

// move is what one release does in this pass: a step to save and, when
// step.Command is set and the device is online, a command to publish.
type move struct {
	step   registry.ReleaseStep
	online bool
	// stopWatch is set when a release stops waiting for its reset: the
	// agent's watch (its factory_reset command) is canceled once saved.
	stopWatch bool
}

// advanceReleases moves unfinished releases one step: those of the given
// devices, or every one when devices is nil, and of those only the ones
// only accepts when it is set. The releases and what they
// depend on (their commands, their phones) are read in a few set-based
// queries, the decisions are taken side by side, their new states and
// commands are saved in a few transactions before any command is sent, and
// the commands are then published concurrently and marked sent together. A
// release thus costs a share of a handful of queries per step, not queries
// of its own.
func (c *Controller) advanceReleases(ctx context.Context, devices map[string]struct{}, only func(registry.ReleaseRecord) bool) {
	c.releaseMu.Lock()
	defer c.releaseMu.Unlock()
	var ids []string
	if devices != nil {
		ids = make([]string, 0, len(devices))
		for id := range devices {
			ids = append(ids, id)
		}
	}
	var todo []registry.ReleaseRecord
	var err error
	if devices != nil {
		todo, err = c.reg.UnfinishedReleasesOf(ctx, ids)
	} else {
		// By time: held releases only when their re-check is due.
		todo, err = c.reg.ReleasesToDecide(ctx, c.cfg.Now().UTC())
	}
	if err != nil {
		if ctx.Err() == nil { // stopping is no failure
			c.log.Warn("releases: list", "err", err)
		}
		return
	}
	if only != nil {
		todo = slices.DeleteFunc(todo, func(r registry.ReleaseRecord) bool { return !only(r) })
	}
	// Only the releases this controller holds the lease of: with several
	// controllers on one registry, each release is driven by one.
	todo = c.leased(ctx, todo)
	if len(todo) == 0 {
		return
	}
	in, err := c.reg.ReleaseInputsOf(ctx, todo)
	if err != nil {
		c.log.Warn("releases: read commands and phones", "releases", len(todo), "err", err)
		return
	}
	var batch []*move
	// A move saved with an error (the interlock refused the reset) is
	// looked at again right after: its next pass sends it back to verify.
	again := map[string]struct{}{}
	defer func() {
		if len(again) > 0 && ctx.Err() == nil {
			c.releaseWake.add(again)
		}
	}()
	for _, rec := range todo {
		m, err := c.decide(ctx, rec, in)
		if err != nil && ctx.Err() == nil {
			c.log.Warn("releases: advance", "device", rec.DeviceID, "release", rec.ID, "err", err)
			if m != nil {
				again[rec.DeviceID] = struct{}{}
			}
		}
		if m == nil {
			continue
		}
		batch = append(batch, m)
		if len(batch) == releaseBatch {
			c.applyMoves(ctx, batch)
			batch = nil
		}
	}
	c.applyMoves(ctx, batch)
}

// applyMoves saves the moves, then sends their commands.
func (c *Controller) applyMoves(ctx context.Context, ms []*move) {
	if len(ms) == 0 {
		return
	}
	steps := make([]registry.ReleaseStep, len(ms))
	for i, m := range ms {
		steps[i] = m.step
	}
	// The new states are on disk before anything is sent, and only while
	// this controller holds their leases.
	refused, err := c.stepReleases(ctx, steps)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		// One bad step must not hold the others back: save them one by one.
		c.log.Warn("releases: save batch, saving one by one", "releases", len(steps), "err", err)
		refused = map[string]bool{}
		for _, m := range ms {
			one, err := c.stepReleases(ctx, []registry.ReleaseStep{m.step})
			if err != nil {
				c.log.Warn("releases: save", "device", m.step.Release.DeviceID, "release", m.step.Release.ID, "err", err)
				refused[m.step.Release.ID] = true
				continue
			}
			maps.Copy(refused, one)
		}
	}
	ms = slices.DeleteFunc(ms, func(m *move) bool { return refused[m.step.Release.ID] })
	c.publishReleases(movedDevices(ms)...)
	var send []protocol.Command
	for _, m := range ms {
		switch {
		case m.step.Command == nil:
		case m.online:
			send = append(send, *m.step.Command)
		default:
			c.log.Info("command queued until the device is online", "device", m.step.Command.DeviceID, "cmd_id", m.step.Command.ID, "kind", m.step.Command.Kind)
		}
	}
	c.deliverAll(ctx, send)
	for _, m := range ms {
		if m.stopWatch {
			c.stopWatch(ctx, m.step.Release)
		}
		c.certifyReleased(ctx, m.step.Release)
	}
}

// deliverAll publishes recorded commands concurrently and marks those the
// broker acknowledged sent, in one transaction. A command that could not be
// published stays queued for the dispatcher.
func (c *Controller) deliverAll(ctx context.Context, cmds []protocol.Command) {
	if len(cmds) == 0 {
		return
	}
	ok := make([]bool, len(cmds))
	forEach(len(cmds), publishWorkers, func(i int) {
		if err := c.publishCommand(ctx, cmds[i]); err != nil {
			if ctx.Err() == nil {
				c.log.Warn("releases: deliver", "cmd_id", cmds[i].ID, "device", cmds[i].DeviceID, "err", err)
			}
			return
		}
		ok[i] = true
	})
	var sent []string
	for i, cmd := range cmds {
		if ok[i] {
			sent = append(sent, cmd.ID)
		}
	}
	if err := c.reg.SetCommandsState(ctx, sent, protocol.CommandSent, c.cfg.Now().UTC(), ""); err != nil && ctx.Err() == nil {
		c.log.Warn("releases: mark commands sent", "commands", len(sent), "err", err)
	}
}

// decide takes what is known of a release's phone and command from in and
// returns the release's move, or nil when it stays as it is. The rare
// repairs after a crash between two writes are moves too, so that they are
// saved only while this controller holds the release's lease.
func (c *Controller) decide(ctx context.Context, rec registry.ReleaseRecord, in registry.ReleaseInputs) (*move, error) {
	now := c.cfg.Now().UTC()
	readAt := rec.UpdatedAt
	cur := releaseOf(rec)
	obs := release.Observed{Now: now, MaxReportAge: c.cfg.MaxReportAge}
	dev, ok := in.Devices[rec.DeviceID]
	if !ok {
		return nil, fmt.Errorf("device %s: %w", rec.DeviceID, registry.ErrNotFound)
	}
	if rec.CommandID != "" {
		cmd, found := in.Commands[rec.CommandID]
		switch {
		case found:
			obs.Command = releaseCommandOf(cmd)
			// A report answers this stage only if it came after its command.
			cur.StageSince = cmd.IssuedAt
		case cur.Stage == release.StageReset:
			// The reset was decided but never recorded (a crash in between,
			// or the interlock refused it): whatever was true then, decide
			// again on what is true now.
			rec.Stage, rec.CommandID, rec.UpdatedAt = string(release.StageVerify), newCommandID(), now
			return c.sending(rec, dev, readAt, protocol.CommandRefresh)
		default:
			// Persisted but never recorded (a crash in between): send it now,
			// under the same ID so that it cannot run twice.
			return c.sending(rec, dev, readAt, release.CommandFor(cur.Stage))
		}
	}
	if dev.State != nil {
		obs.Report, obs.ReportAt = dev.State, dev.StateAt
	}
	obs.Online, obs.PresenceAt = dev.Online, dev.PresenceAt
	obs.IdentityProblem = dev.IdentityProblem()
	for _, cmd := range in.Running[rec.DeviceID] {
		// Another command the agent runs, not yet expired (an expired one
		// ends on the phone by itself).
		if cmd.ID != rec.CommandID && now.Before(cmd.ExpiresAt) {
			obs.Busy = releaseCommandOf(cmd)
			break
		}
	}
	next, effects := release.Next(cur, obs)
	if next.Same(cur) && len(effects) == 0 {
		return nil, nil
	}
	rec.Evidence = evidenceRecords(next.Evidence)
	if len(effects) > 1 {
		return nil, fmt.Errorf("release %s: %d commands in one step", rec.ID, len(effects))
	}
	rec.Stage, rec.Reason, rec.UpdatedAt, rec.CommandID = string(next.Stage), next.Reason, now, next.CommandID
	rec.Deadline, rec.HoldReason, rec.HeldSince = next.Deadline, next.HoldReason, next.HeldSince
	var kind protocol.CommandKind
	if len(effects) > 0 {
		rec.CommandID = newCommandID()
		kind = effects[0].Send
	}
	if next.Stage.Terminal() {
		rec.Outcome, rec.FinishedAt = string(next.Stage), now
	}
	m, err := c.sending(rec, dev, readAt, kind)
	if m != nil {
		m.stopWatch = cur.Stage == release.StageWaitingForReset && next.Stage.Terminal()
	}
	return m, err
}

// sending is the move that saves rec, read when it was as of readAt, with
// its command of kind recorded under rec.CommandID (none when kind is
// empty).
func (c *Controller) sending(rec registry.ReleaseRecord, dev registry.Device, readAt time.Time, kind protocol.CommandKind) (*move, error) {
	now := c.cfg.Now().UTC()
	m := &move{step: registry.ReleaseStep{Release: rec, CommandAt: now, ReadAt: readAt}, online: dev.Online}
	if kind == "" {
		return m, nil
	}
	if kind == protocol.CommandFactoryReset {
		// The interlock gates every reset, whoever asks for it. Refused, the
		// release is saved in stage reset without its command, and the next
		// pass sends it back to verify.
		if err := resetAllowed(dev, now, c.cfg.MaxReportAge); err != nil {
			return m, fmt.Errorf("factory reset of %s: %w", rec.DeviceID, err)
		}
	}
	cmd := protocol.Command{
		V: protocol.Version, ID: rec.CommandID, DeviceID: rec.DeviceID, Kind: kind,
		IssuedAt: now, ExpiresAt: now.Add(c.cfg.CommandTTL),
	}
	if err := cmd.Validate(); err != nil {
		return m, err
	}
	m.step.Command = &cmd
	return m, nil
}

// forEach runs f(0..n-1) with at most workers at once and waits for all.
func forEach(n, workers int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(n, max(1, workers)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
