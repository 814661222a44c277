package controller

import (
	"context"
	"errors"
	"fmt"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// ErrNoConflict: a resolution names a device without an open identity
// conflict.
var ErrNoConflict = registry.ErrNoConflict

// ResolveIdentity closes the open identity conflicts of genuine, naming it
// the real phone behind the serial and IMEI it reports, in the name of
// actor with note. Every other device of those conflicts is disowned: its
// credentials are revoked and its sessions ended, and it can never be reset
// or certified. The releases of all of them are looked at again at once.
// It returns the disowned device IDs.
func (c *Controller) ResolveIdentity(ctx context.Context, genuine, actor, note string) ([]string, error) {
	if err := protocol.ValidateDeviceID(genuine); err != nil {
		return nil, fmt.Errorf("resolve identity of %q: %w", genuine, err)
	}
	if actor == "" {
		actor = registry.ActorController
	}
	disowned, err := c.reg.ResolveIdentity(ctx, genuine, actor, note, c.cfg.Now().UTC())
	if err != nil {
		return nil, err
	}
	wake := map[string]struct{}{genuine: {}}
	for _, id := range disowned {
		wake[id] = struct{}{}
		if err := c.revoke(ctx, id, actor); err != nil && !errors.Is(err, registry.ErrNotFound) {
			return disowned, fmt.Errorf("resolve identity of %s: revoke the credentials of %s: %w", genuine, id, err)
		}
	}
	c.log.Warn("identity conflict resolved", "device", genuine, "disowned", len(disowned))
	c.releaseWake.add(wake)
	c.events.devices(EventDevice, wake)
	return disowned, nil
}
