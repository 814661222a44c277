package controller

import (
	"context"
	"errors"
	"fmt"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// ErrBadStation: a station's name, or the lot it is to be set to, is not
// acceptable.
var ErrBadStation = errors.New("bad station")

// Stations lists the bench stations that ever reported, by name.
func (c *Controller) Stations(ctx context.Context) ([]registry.Station, error) {
	return c.reg.Stations(ctx)
}

// Station returns one station and the phones it reported last, most
// recently seen first (at most limit); registry.ErrNotFound when none.
func (c *Controller) Station(ctx context.Context, name string, limit int) (registry.Station, []string, error) {
	st, err := c.reg.Station(ctx, name)
	if err != nil {
		return registry.Station{}, nil, err
	}
	phones, err := c.reg.StationPhones(ctx, name, limit)
	return st, phones, err
}

// SetStationLot sets the open lot that phones in no lot join at a station;
// it wins over the lot its agents were started with (--lot). An empty lot
// clears the choice, and the agents' --lot applies again.
func (c *Controller) SetStationLot(ctx context.Context, name, lot, actor, note string) (registry.Station, error) {
	if err := protocol.ValidateStationName(name); err != nil {
		return registry.Station{}, fmt.Errorf("%w: %w", ErrBadStation, err)
	}
	if lot != "" {
		if err := protocol.ValidateLotID(lot); err != nil {
			return registry.Station{}, fmt.Errorf("%w: %w", ErrBadStation, err)
		}
	}
	if err := ValidateNote(note); err != nil {
		return registry.Station{}, fmt.Errorf("%w: %w", ErrBadStation, err)
	}
	if err := c.reg.SetStationLot(ctx, name, lot, c.cfg.Now().UTC(), actor, note); err != nil {
		return registry.Station{}, err
	}
	return c.reg.Station(ctx, name)
}
