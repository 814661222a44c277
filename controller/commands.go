package controller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// ErrUnknownDevice is returned for commands to a device the registry has never seen.
var ErrUnknownDevice = errors.New("unknown device")

// SendCommand records a command in the registry, then publishes it to the
// device. The record comes first so that a crash between the two leaves a
// queued command, never a command nobody knows was sent.
func (c *Controller) SendCommand(ctx context.Context, deviceID string, kind protocol.CommandKind) (protocol.Command, error) {
	if _, err := c.reg.Device(ctx, deviceID); err != nil {
		if errors.Is(err, registry.ErrNotFound) {
			return protocol.Command{}, fmt.Errorf("%w: %s", ErrUnknownDevice, deviceID)
		}
		return protocol.Command{}, fmt.Errorf("look up %s: %w", deviceID, err)
	}
	now := c.cfg.Now().UTC()
	cmd := protocol.Command{
		V: protocol.Version, ID: newCommandID(), DeviceID: deviceID, Kind: kind,
		IssuedAt: now, ExpiresAt: now.Add(c.cfg.CommandTTL),
	}
	payload, err := protocol.Encode(cmd)
	if err != nil {
		return cmd, err
	}
	topic, err := protocol.CommandTopic(deviceID)
	if err != nil {
		return cmd, err
	}
	if err := c.reg.RecordCommand(ctx, cmd, now); err != nil {
		return cmd, fmt.Errorf("record command %s for %s: %w", kind, deviceID, err)
	}
	if err := c.conn.Publish(ctx, topic, 1, false, payload); err != nil {
		return cmd, fmt.Errorf("send command %s to %s: %w", cmd.ID, deviceID, err)
	}
	if err := c.reg.SetCommandState(ctx, cmd.ID, registry.CommandSent, c.cfg.Now().UTC(), ""); err != nil {
		return cmd, fmt.Errorf("mark command %s sent: %w", cmd.ID, err)
	}
	return cmd, nil
}

func newCommandID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
