package api

import (
	"context"
	"net/http"
	"net/url"
)

// BatchCertificatesPath is POST /api/v1/batches/{id}/certificates: issue
// the certificates of a batch's released phones (CertificateRequest).
func BatchCertificatesPath(batchID string) string {
	return "/api/v1/batches/" + url.PathEscape(batchID) + "/certificates"
}

// BatchCertificate is one release of a batch and its certificate. Issued
// is true when this request issued it; without a certificate, Reason says
// why the phone cannot have one (yet). A superseded certificate no longer
// stands: Reason says so too.
type BatchCertificate struct {
	DeviceID     string           `json:"device_id"`
	ReleaseID    string           `json:"release_id"`
	ReleaseState string           `json:"release_state"`
	Certificate  *CertificateBody `json:"certificate,omitempty"`
	Issued       bool             `json:"issued"`
	Reason       string           `json:"reason,omitempty"`
}

// BatchCertificatesBody answers a batch's certificate request: every
// release of the batch, none left out.
type BatchCertificatesBody struct {
	BatchID      string             `json:"batch_id"`
	Certificates []BatchCertificate `json:"certificates"`
}

// Standing reports whether b has a certificate that stands.
func (b BatchCertificate) Standing() bool {
	return b.Certificate != nil && b.Certificate.Superseded == ""
}

// CertifyBatch issues the certificates of a batch's released phones that
// have none yet and lists every release of the batch with its certificate
// or the reason it has none. Asking again issues nothing twice.
func (c *Client) CertifyBatch(ctx context.Context, batchID string, req CertificateRequest) (BatchCertificatesBody, error) {
	var body BatchCertificatesBody
	err := c.do(ctx, http.MethodPost, BatchCertificatesPath(batchID), req, &body)
	return body, err
}
