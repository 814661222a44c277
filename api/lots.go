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

// LotDevice is one phone of a lot.
type LotDevice struct {
	DeviceID     string    `json:"device_id"`
	Serial       string    `json:"serial,omitempty"`
	IMEI         string    `json:"imei,omitempty"`
	Manufacturer string    `json:"manufacturer,omitempty"`
	Brand        string    `json:"brand,omitempty"`
	Model        string    `json:"model,omitempty"`
	Verdict      string    `json:"verdict,omitempty"`
	JoinedAt     time.Time `json:"joined_at"`
	JoinedBy     string    `json:"joined_by"`
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
