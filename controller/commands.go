package controller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

var (
	// ErrUnknownDevice is returned for commands to a device the registry has never seen.
	ErrUnknownDevice = errors.New("unknown device")
	// ErrUnknownCommand is returned for a command ID the registry has never seen.
	ErrUnknownCommand = errors.New("unknown command")
	// ErrCommandFinished is returned when canceling a command that has ended.
	ErrCommandFinished = errors.New("command already finished")
	// ErrNotSafe is returned for a factory reset of a phone whose latest
	// report is not a fresh, verified "safe" (release.ResetAllowed).
	ErrNotSafe = release.ErrNotSafe
)

// DeviceNotFoundError names a device the registry has never seen, in the
// words every route and command uses for it (device "X" not found).
// errors.Is matches it to ErrUnknownDevice.
type DeviceNotFoundError struct{ DeviceID string }

func (e DeviceNotFoundError) Error() string { return fmt.Sprintf("device %q not found", e.DeviceID) }

// Is makes the error match ErrUnknownDevice.
func (e DeviceNotFoundError) Is(target error) bool { return target == ErrUnknownDevice }

// SendCommand issues a command to a device: see issue.
func (c *Controller) SendCommand(ctx context.Context, deviceID string, kind protocol.CommandKind) (protocol.Command, error) {
	return c.issue(ctx, deviceID, kind, newCommandID(), "")
}

// issue records a command, then delivers it if the device is online. The
// record comes first, so a crash in between leaves a queued command that the
// dispatcher delivers later, never a command nobody knows was sent. Issuing
// an ID that is already recorded delivers that command again if it is still
// queued; the agent runs a command ID once however often it arrives.
func (c *Controller) issue(ctx context.Context, deviceID string, kind protocol.CommandKind, id, target string) (protocol.Command, error) {
	dev, err := c.reg.Device(ctx, deviceID)
	if errors.Is(err, registry.ErrNotFound) {
		return protocol.Command{}, DeviceNotFoundError{DeviceID: deviceID}
	}
	if err != nil {
		return protocol.Command{}, fmt.Errorf("look up %s: %w", deviceID, err)
	}
	now := c.cfg.Now().UTC()
	if kind == protocol.CommandFactoryReset {
		if err := resetAllowed(dev, now, c.cfg.MaxReportAge); err != nil {
			return protocol.Command{}, fmt.Errorf("factory reset of %s: %w", deviceID, err)
		}
	}
	cmd := protocol.Command{
		V: protocol.Version, ID: id, DeviceID: deviceID, Kind: kind, Target: target,
		IssuedAt: now, ExpiresAt: now.Add(c.cfg.CommandTTL),
	}
	if err := cmd.Validate(); err != nil {
		return cmd, err
	}
	switch err := c.reg.RecordCommand(ctx, cmd, now); {
	case errors.Is(err, registry.ErrExists):
		rec, err := c.reg.Command(ctx, id)
		if err != nil {
			return cmd, fmt.Errorf("look up command %s: %w", id, err)
		}
		cmd = commandOf(rec)
		if rec.State != protocol.CommandQueued {
			return cmd, nil
		}
	case err != nil:
		return cmd, fmt.Errorf("record command %s for %s: %w", kind, deviceID, err)
	}
	if !dev.Online {
		c.log.Info("command queued until the device is online", "device", deviceID, "cmd_id", id, "kind", kind)
		// It may have come online since it was read: the dispatcher reads again.
		c.wakeDispatch()
		return cmd, nil
	}
	return cmd, c.deliver(ctx, cmd)
}

// resetAllowed applies release.ResetAllowed, the controller's one reset
// interlock, to a device's latest report, and refuses a phone whose
// identity is in conflict or disowned (registry.Device.IdentityProblem).
func resetAllowed(dev registry.Device, now time.Time, maxAge time.Duration) error {
	if p := dev.IdentityProblem(); p != "" {
		return fmt.Errorf("%w: %s", ErrNotSafe, p)
	}
	return release.ResetAllowed(dev.State, dev.StateAt, now, maxAge)
}

// deliver publishes a recorded command and marks it sent.
func (c *Controller) deliver(ctx context.Context, cmd protocol.Command) error {
	if err := c.publishCommand(ctx, cmd); err != nil {
		return err
	}
	if err := c.reg.SetCommandState(ctx, cmd.ID, protocol.CommandSent, c.cfg.Now().UTC(), ""); err != nil {
		return fmt.Errorf("mark command %s sent: %w", cmd.ID, err)
	}
	return nil
}

// publishCommand signs a command and publishes it to its device, waiting
// for the broker's acknowledgement.
func (c *Controller) publishCommand(ctx context.Context, cmd protocol.Command) error {
	payload, err := c.encodeCommand(cmd)
	if err != nil {
		return err
	}
	topic, err := protocol.CommandTopic(cmd.DeviceID)
	if err != nil {
		return err
	}
	if err := c.bus.Publish(ctx, topic, 1, false, payload); err != nil {
		return fmt.Errorf("send command %s to %s: %w", cmd.ID, cmd.DeviceID, err)
	}
	return nil
}

// encodeCommand is the single place commands become bytes for the wire, and
// so the one place they are signed: agents run nothing unsigned.
func (c *Controller) encodeCommand(cmd protocol.Command) ([]byte, error) {
	return protocol.Encode(protocol.SignCommand(cmd, c.key))
}

// Cancel stops a command: one never delivered is canceled here; one the
// agent has is canceled by a cancel command to the agent.
func (c *Controller) Cancel(ctx context.Context, commandID string) (protocol.Command, error) {
	rec, err := c.reg.Command(ctx, commandID)
	if errors.Is(err, registry.ErrNotFound) {
		return protocol.Command{}, fmt.Errorf("%w: %s", ErrUnknownCommand, commandID)
	}
	if err != nil {
		return protocol.Command{}, fmt.Errorf("look up command %s: %w", commandID, err)
	}
	if rec.State.Terminal() {
		return commandOf(rec), fmt.Errorf("%w: %s is %s", ErrCommandFinished, commandID, rec.State)
	}
	if rec.State == protocol.CommandQueued {
		err := c.reg.SetCommandState(ctx, commandID, protocol.CommandCanceled, c.cfg.Now().UTC(), "canceled before delivery")
		c.wakeReleases(rec.DeviceID)
		return commandOf(rec), err
	}
	return c.issue(ctx, rec.DeviceID, protocol.CommandCancel, newCommandID(), commandID)
}

func commandOf(rec registry.CommandRecord) protocol.Command {
	return protocol.Command{
		V: protocol.Version, ID: rec.ID, DeviceID: rec.DeviceID, Kind: rec.Kind, Target: rec.Target,
		IssuedAt: rec.IssuedAt, ExpiresAt: rec.ExpiresAt,
	}
}

func newCommandID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
