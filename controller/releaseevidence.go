package controller

import (
	"context"
	"errors"
	"fmt"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// ErrReleaseNotWaiting: a confirmation of a release that does not wait for
// its reset.
var ErrReleaseNotWaiting = release.ErrNotWaiting

// ErrConfirmContradicted: the phone still reports from its pre-reset boot.
var ErrConfirmContradicted = release.ErrContradicted

// ErrUnknownRelease: no release has that ID.
var ErrUnknownRelease = errors.New("unknown release")

// ConfirmRelease records, in the name of operator, that the phone of a
// release waiting for its reset shows the first-boot setup screen: the
// release ends released, on evidence operator_confirmed. The audit row
// names the operator and carries note.
func (c *Controller) ConfirmRelease(ctx context.Context, id, operator, note string) (registry.ReleaseRecord, error) {
	c.releaseMu.Lock()
	defer c.releaseMu.Unlock()
	rec, err := c.operatorsRelease(ctx, "confirm", id, operator, note)
	if err != nil {
		return rec, err
	}
	now := c.cfg.Now().UTC()
	dev, err := c.reg.Device(ctx, rec.DeviceID)
	if err != nil {
		return rec, fmt.Errorf("confirm release %s: %w", id, err)
	}
	obs := release.Observed{Now: now, Online: dev.Online, PresenceAt: dev.PresenceAt}
	if dev.State != nil {
		obs.Report, obs.ReportAt = dev.State, dev.StateAt
	}
	next, err := release.Confirm(releaseOf(rec), obs, operator)
	if err != nil {
		return rec, fmt.Errorf("confirm release %s: %w", id, err)
	}
	rec.Stage, rec.Outcome, rec.Reason = string(next.Stage), string(next.Stage), next.Reason
	rec.UpdatedAt, rec.FinishedAt = now, now
	rec.Evidence = evidenceRecords(next.Evidence)
	step := registry.ReleaseStep{Release: rec, Actor: registry.OperatorActor(operator), Note: note}
	if err := c.reg.StepReleases(ctx, []registry.ReleaseStep{step}); err != nil {
		return rec, fmt.Errorf("confirm release %s: %w", id, err)
	}
	c.publishReleases(rec.DeviceID)
	c.stopWatch(ctx, rec)
	c.certifyReleased(ctx, rec)
	return rec, nil
}

// operatorsRelease checks an operator's action on release id (who acts,
// their note) and reads the release; verb names the action in errors. The
// caller holds releaseMu.
func (c *Controller) operatorsRelease(ctx context.Context, verb, id, operator, note string) (registry.ReleaseRecord, error) {
	if operator == "" {
		return registry.ReleaseRecord{}, ErrNoOperator
	}
	if err := ValidateNote(note); err != nil {
		return registry.ReleaseRecord{}, err
	}
	rec, err := c.reg.Release(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		return rec, fmt.Errorf("%w: %s", ErrUnknownRelease, id)
	}
	if err != nil {
		return rec, fmt.Errorf("%s release %s: %w", verb, id, err)
	}
	return rec, nil
}

// stopWatch cancels the agent's watch for the wipe of a release that no
// longer waits for it, so that the phone is free for other commands.
func (c *Controller) stopWatch(ctx context.Context, rec registry.ReleaseRecord) {
	if rec.CommandID == "" {
		return
	}
	if _, err := c.Cancel(ctx, rec.CommandID); err != nil && ctx.Err() == nil &&
		!errors.Is(err, ErrCommandFinished) && !errors.Is(err, ErrUnknownCommand) {
		c.log.Warn("release over, the agent's wipe watch not canceled", "device", rec.DeviceID, "cmd_id", rec.CommandID, "err", err)
	}
}

func releaseOf(rec registry.ReleaseRecord) release.Release {
	r := release.Release{
		Stage: release.Stage(rec.Stage), CommandID: rec.CommandID, StageSince: rec.UpdatedAt,
		Deadline: rec.Deadline, Reason: rec.Reason, HoldOnTimeout: rec.HoldOnTimeout, HoldReason: rec.HoldReason,
		HeldSince: rec.HeldSince,
	}
	for _, e := range rec.Evidence {
		r.Evidence = append(r.Evidence, release.Evidence{Kind: release.EvidenceKind(e.Kind), At: e.At, Source: e.Source, Boot: e.Boot})
	}
	return r
}

func evidenceRecords(evs []release.Evidence) []registry.ReleaseEvidence {
	var out []registry.ReleaseEvidence
	for _, e := range evs {
		out = append(out, registry.ReleaseEvidence{Kind: string(e.Kind), At: e.At, Source: e.Source, Boot: e.Boot})
	}
	return out
}

func releaseCommandOf(cmd registry.CommandRecord) *release.Command {
	c := &release.Command{ID: cmd.ID, Kind: cmd.Kind, State: cmd.State, Detail: lastDetail(cmd), At: cmd.UpdatedAt}
	for _, t := range cmd.Transitions {
		c.Steps = append(c.Steps, release.Step{At: t.At, State: t.State, Detail: t.Detail, Boot: t.Boot})
	}
	return c
}
