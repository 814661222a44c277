package cert

import (
	"context"
	"fmt"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// Gather reads from the registry what a certificate for the device would be
// drawn from: its newest release, that release's factory reset, and the
// last state received before the reset was issued. It decides nothing:
// Issue refuses inputs that do not show a real release. A device not in the
// registry gives an error wrapping registry.ErrNotFound.
func Gather(ctx context.Context, reg *registry.Store, deviceID string) (Inputs, error) {
	var in Inputs
	var err error
	if in.Device, err = reg.Device(ctx, deviceID); err != nil {
		return in, fmt.Errorf("gather certificate inputs: %w", err)
	}
	// Only the newest release counts: a phone released once and then put
	// through another release that failed is not certified by the first.
	rels, err := reg.Releases(ctx, registry.ReleaseFilter{DeviceID: deviceID, Limit: 1})
	if err != nil {
		return in, fmt.Errorf("gather certificate inputs: %w", err)
	}
	if len(rels) == 0 {
		return in, nil
	}
	in.Release = rels[0]
	cmds, err := reg.Commands(ctx, deviceID)
	if err != nil {
		return in, fmt.Errorf("gather certificate inputs: %w", err)
	}
	in.Reset = resetOf(in.Release, cmds)
	if in.Reset == nil {
		return in, nil
	}
	if in.Enrollments, err = reg.Enrollments(ctx, deviceID); err != nil {
		return in, fmt.Errorf("gather certificate inputs: %w", err)
	}
	history, err := reg.StateHistory(ctx, deviceID, 0)
	if err != nil {
		return in, fmt.Errorf("gather certificate inputs: %w", err)
	}
	for i := range history { // newest first
		if !history[i].At.After(in.Reset.IssuedAt) {
			in.Safe = &history[i]
			break
		}
	}
	// The current report, if it came before the reset, is the newest check
	// of the state in.Safe describes (identical reports add no history).
	if in.Device.State != nil && !in.Device.StateAt.After(in.Reset.IssuedAt) {
		in.LastCheckedAt = in.Device.State.CheckedAt
	}
	return in, nil
}

// resetOf finds the release's factory reset: the command the release last
// waited for when it is one, otherwise the newest factory reset issued
// since the release began, preferring one that succeeded.
func resetOf(r registry.ReleaseRecord, cmds []registry.CommandRecord) *registry.CommandRecord {
	var newest, succeeded *registry.CommandRecord
	for i := range cmds {
		c := &cmds[i]
		if c.Kind != protocol.CommandFactoryReset {
			continue
		}
		if c.ID == r.CommandID {
			return c
		}
		if c.IssuedAt.Before(r.CreatedAt) {
			continue
		}
		if newest == nil || c.IssuedAt.After(newest.IssuedAt) {
			newest = c
		}
		if c.State == protocol.CommandSucceeded && (succeeded == nil || c.IssuedAt.After(succeeded.IssuedAt)) {
			succeeded = c
		}
	}
	if succeeded != nil {
		return succeeded
	}
	return newest
}
