package controller

import (
	"context"
	"errors"
	"fmt"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// ErrBadLot: a lot's ID, customer or reference, or a join's codes, are not
// acceptable.
var ErrBadLot = errors.New("bad lot")

// MaxJoinCodes bounds the codes of one join request.
const MaxJoinCodes = 1000

// ValidateLotID is protocol.ValidateLotID (the one rule, which bench
// agents check too), its error marked ErrBadLot.
func ValidateLotID(id string) error {
	if err := protocol.ValidateLotID(id); err != nil {
		return fmt.Errorf("%w: %w", ErrBadLot, err)
	}
	return nil
}

// AddLot opens a new lot; registry.ErrExists when its ID is taken.
func (c *Controller) AddLot(ctx context.Context, id, customer, reference, actor, note string) (registry.Lot, error) {
	if err := ValidateLotID(id); err != nil {
		return registry.Lot{}, err
	}
	if err := ValidateName("customer", customer); err != nil {
		return registry.Lot{}, fmt.Errorf("%w: %w", ErrBadLot, err)
	}
	if reference != "" {
		if err := ValidateName("reference", reference); err != nil {
			return registry.Lot{}, fmt.Errorf("%w: %w", ErrBadLot, err)
		}
	}
	if err := ValidateNote(note); err != nil {
		return registry.Lot{}, fmt.Errorf("%w: %w", ErrBadLot, err)
	}
	l := registry.Lot{ID: id, Customer: customer, Reference: reference, CreatedAt: c.cfg.Now().UTC()}
	if err := c.reg.AddLot(ctx, l, actor, note); err != nil {
		return registry.Lot{}, err
	}
	return c.reg.Lot(ctx, id)
}

// Lots lists every lot, newest first.
func (c *Controller) Lots(ctx context.Context) ([]registry.Lot, error) { return c.reg.Lots(ctx) }

// Lot returns one lot and its phones; registry.ErrNotFound when none.
func (c *Controller) Lot(ctx context.Context, id string) (registry.Lot, []registry.LotMember, error) {
	l, err := c.reg.Lot(ctx, id)
	if err != nil {
		return registry.Lot{}, nil, err
	}
	m, err := c.reg.LotMembers(ctx, id)
	return l, m, err
}

// CloseLot closes a lot: it takes no more phones.
func (c *Controller) CloseLot(ctx context.Context, id, actor, note string) (registry.Lot, error) {
	if err := ValidateNote(note); err != nil {
		return registry.Lot{}, fmt.Errorf("%w: %w", ErrBadLot, err)
	}
	if err := c.reg.CloseLot(ctx, id, c.cfg.Now().UTC(), actor, note); err != nil {
		return registry.Lot{}, err
	}
	return c.reg.Lot(ctx, id)
}

// JoinLot adds the phones that codes name (device ID, serial, IMEI or
// certificate ID) to an open lot, all or none (see registry.Store.JoinLot).
func (c *Controller) JoinLot(ctx context.Context, id string, codes []string, actor, note string) ([]string, error) {
	if len(codes) == 0 || len(codes) > MaxJoinCodes {
		return nil, fmt.Errorf("%w: a join takes 1 to %d codes, not %d", ErrBadLot, MaxJoinCodes, len(codes))
	}
	for _, code := range codes {
		if err := ValidateName("code", code); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadLot, err)
		}
	}
	if err := ValidateNote(note); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadLot, err)
	}
	return c.reg.JoinLot(ctx, id, codes, c.cfg.Now().UTC(), actor, note)
}

// FindDevices returns the IDs of the phones a scanned code names: a device
// ID, serial, IMEI or certificate ID.
func (c *Controller) FindDevices(ctx context.Context, code string) ([]string, error) {
	return c.reg.FindDevices(ctx, code)
}
