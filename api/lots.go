package api

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// PathLots lists lots (GET) and opens one (POST).
const PathLots = "/api/v1/lots"

// LotPath is GET /api/v1/lots/{id}.
func LotPath(id string) string { return PathLots + "/" + url.PathEscape(id) }

// LotClosePath is POST /api/v1/lots/{id}/close.
func LotClosePath(id string) string { return LotPath(id) + "/close" }

// LotJoinPath is POST /api/v1/lots/{id}/join.
func LotJoinPath(id string) string { return LotPath(id) + "/join" }

// Lot states.
const (
	LotOpen   = "open"
	LotClosed = "closed"
)

// LotRequest is the body of POST /api/v1/lots.
type LotRequest struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	// Reference is the customer's PO, RMA or other reference; optional.
	Reference string `json:"reference,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Lot is a customer's or supplier's batch of phones.
type Lot struct {
	ID        string    `json:"id"`
	Customer  string    `json:"customer"`
	Reference string    `json:"reference,omitempty"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
	ClosedBy  string    `json:"closed_by,omitempty"`
	Devices   int       `json:"devices"`
}

// DeviceLabelPath is GET /api/v1/devices/{id}/label: the phone as its
// label shows it (a LotDevice).
func DeviceLabelPath(id string) string { return "/api/v1/devices/" + url.PathEscape(id) + "/label" }

// LotDevice is one phone of a lot, with what its label and the lot's
// report show.
type LotDevice struct {
	DeviceID string `json:"device_id"`
	// Lot is "" for a phone in no lot.
	Lot          string `json:"lot,omitempty"`
	Serial       string `json:"serial,omitempty"`
	IMEI         string `json:"imei,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Brand        string `json:"brand,omitempty"`
	Model        string `json:"model,omitempty"`
	Verdict      string `json:"verdict,omitempty"`
	// RiskKinds are the current risks' kinds, comma-separated.
	RiskKinds string    `json:"risk_kinds,omitempty"`
	JoinedAt  time.Time `json:"joined_at,omitzero"`
	JoinedBy  string    `json:"joined_by,omitempty"`
	// The newest release, if any: its ID, stage, outcome and end.
	ReleaseID         string    `json:"release_id,omitempty"`
	ReleaseStage      string    `json:"release_stage,omitempty"`
	ReleaseOutcome    string    `json:"release_outcome,omitempty"`
	ReleaseFinishedAt time.Time `json:"release_finished_at,omitzero"`
	// CertificateID is the newest certificate, "" when none was issued.
	CertificateID string `json:"certificate_id,omitempty"`
}

// LotsBody is the answer to GET /api/v1/lots.
type LotsBody struct {
	Lots []Lot `json:"lots"`
}

// LotDetail is the answer to GET /api/v1/lots/{id}.
type LotDetail struct {
	Lot     Lot         `json:"lot"`
	Devices []LotDevice `json:"devices"`
}

// LotJoinRequest is the body of POST /api/v1/lots/{id}/join. Each code is a
// device ID, serial, IMEI or certificate ID; the join is all or none.
type LotJoinRequest struct {
	Codes []string `json:"codes"`
	Note  string   `json:"note,omitempty"`
}

// LotJoined is the answer to a join: the device ID each code named.
type LotJoined struct {
	Lot       string   `json:"lot"`
	DeviceIDs []string `json:"device_ids"`
}

// AddLot opens a lot (operator).
func (c *Client) AddLot(ctx context.Context, req LotRequest) (Lot, error) {
	var l Lot
	err := c.do(ctx, http.MethodPost, PathLots, req, &l)
	return l, err
}

// Lots lists every lot, newest first.
func (c *Client) Lots(ctx context.Context) ([]Lot, error) {
	var body LotsBody
	err := c.do(ctx, http.MethodGet, PathLots, nil, &body)
	return body.Lots, err
}

// Lot returns a lot and its phones.
func (c *Client) Lot(ctx context.Context, id string) (LotDetail, error) {
	var d LotDetail
	err := c.do(ctx, http.MethodGet, LotPath(id), nil, &d)
	return d, err
}

// CloseLot closes a lot: it takes no more phones (operator).
func (c *Client) CloseLot(ctx context.Context, id, note string) (Lot, error) {
	var l Lot
	err := c.do(ctx, http.MethodPost, LotClosePath(id), NoteRequest{Note: note}, &l)
	return l, err
}

// JoinLot adds the phones that codes name to an open lot, all or none
// (operator).
func (c *Client) JoinLot(ctx context.Context, id string, req LotJoinRequest) (LotJoined, error) {
	var j LotJoined
	err := c.do(ctx, http.MethodPost, LotJoinPath(id), req, &j)
	return j, err
}

// DeviceLabel returns one phone as its label shows it.
func (c *Client) DeviceLabel(ctx context.Context, deviceID string) (LotDevice, error) {
	var d LotDevice
	err := c.do(ctx, http.MethodGet, DeviceLabelPath(deviceID), nil, &d)
	return d, err
}
