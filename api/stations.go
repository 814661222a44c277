package api

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// PathStations lists the bench stations (GET).
const PathStations = "/api/v1/stations"

// StationPath is GET /api/v1/stations/{name}: the station and its phones.
func StationPath(name string) string { return PathStations + "/" + url.PathEscape(name) }

// StationLotPath is POST /api/v1/stations/{name}/lot: set the station's lot.
func StationLotPath(name string) string { return StationPath(name) + "/lot" }

// Station is a bench PC whose agents reach phones over USB (unbind-agent
// run --adb ... --station NAME).
type Station struct {
	Name string `json:"name"`
	// Lot is the lot phones in no lot join at this station: ChosenLot
	// when an operator chose one, else AgentLot; "" when neither.
	Lot string `json:"lot,omitempty"`
	// ChosenLot is an operator's choice, over the agents' --lot; ChosenBy
	// and ChosenAt say who set (or cleared) it and when.
	ChosenLot string    `json:"chosen_lot,omitempty"`
	ChosenBy  string    `json:"chosen_by,omitempty"`
	ChosenAt  time.Time `json:"chosen_at,omitzero"`
	// AgentLot is the lot the station's newest report named (--lot).
	AgentLot string    `json:"agent_lot,omitempty"`
	LastSeen time.Time `json:"last_seen"`
	// Phones is how many phones this station reported last.
	Phones int `json:"phones"`
}

// StationsBody is the answer to GET /api/v1/stations.
type StationsBody struct {
	Stations []Station `json:"stations"`
}

// StationDetail is the answer to GET /api/v1/stations/{name}: the station
// and the phones it reported last, the most recently seen first.
type StationDetail struct {
	Station
	Devices []Device `json:"devices"`
}

// StationLotRequest is the body of POST /api/v1/stations/{name}/lot. An
// empty lot clears the operator's choice: the agents' --lot applies again.
type StationLotRequest struct {
	Lot  string `json:"lot"`
	Note string `json:"note,omitempty"`
}

// Stations lists the bench stations.
func (c *Client) Stations(ctx context.Context) ([]Station, error) {
	var b StationsBody
	err := c.do(ctx, http.MethodGet, PathStations, nil, &b)
	return b.Stations, err
}

// Station fetches one station and its phones.
func (c *Client) Station(ctx context.Context, name string) (StationDetail, error) {
	var d StationDetail
	err := c.do(ctx, http.MethodGet, StationPath(name), nil, &d)
	return d, err
}

// SetStationLot sets (or, with an empty lot, clears) a station's lot.
func (c *Client) SetStationLot(ctx context.Context, name string, req StationLotRequest) (Station, error) {
	var st Station
	err := c.do(ctx, http.MethodPost, StationLotPath(name), req, &st)
	return st, err
}
