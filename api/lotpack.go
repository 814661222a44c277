package api

import (
	"context"
	"net/http"
)

// LotPackPath is GET /api/v1/lots/{id}/pack.
func LotPackPath(id string) string { return LotPath(id) + "/pack" }

// LotPack is the answer to GET /api/v1/lots/{id}/pack: what an auditor's
// pack of the lot is made of.
type LotPack struct {
	Lot     Lot          `json:"lot"`
	Devices []LotDevice  `json:"devices"`
	Audit   []AuditEntry `json:"audit"`
	// Manifest is the signed manifest file, exactly as it is to be written.
	Manifest string `json:"manifest"`
	// Certificates are the phones' newest certificates, each file exactly
	// as issued.
	Certificates []PackCertificate `json:"certificates"`
}

// PackCertificate is one certificate file of a pack.
type PackCertificate struct {
	ID       string `json:"id"`
	DeviceID string `json:"device_id"`
	File     string `json:"file"`
}

// LotPack fetches what a lot's auditor's pack is made of.
func (c *Client) LotPack(ctx context.Context, id string) (LotPack, error) {
	var p LotPack
	err := c.do(ctx, http.MethodGet, LotPackPath(id), nil, &p)
	return p, err
}
