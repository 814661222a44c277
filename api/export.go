package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Export writes the rows q selects to w, in q's format, as the controller
// wrote them.
func (c *Client) Export(ctx context.Context, q ExportQuery, w io.Writer) error {
	v := url.Values{}
	if q.Format != "" {
		v.Set("format", q.Format)
	}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	path := PathExport
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	return c.download(ctx, path, w)
}

// download copies the body of a 2xx answer to GET path into w, unbounded.
func (c *Client) download(ctx context.Context, path string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return fmt.Errorf("%w %q: %w", ErrBadURL, c.base, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w at %s%s: %w", ErrUnreachable, c.base, c.hint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		e := &Error{Method: http.MethodGet, Path: path, StatusCode: resp.StatusCode, Status: resp.Status}
		var eb ErrorBody
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		if json.Unmarshal(b, &eb) == nil {
			e.Message = eb.Error
		}
		return e
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// Export formats of GET /api/v1/export.
const (
	ExportCSV  = "csv"
	ExportJSON = "json"
)

// ExportQuery selects the rows of GET /api/v1/export.
type ExportQuery struct {
	// Filter takes the terms of ReleaseRequest.Filter; "" selects every phone.
	Filter string
	// Since, when set, keeps the phones seen (any report, presence or
	// command event) at or after it.
	Since time.Time
	// Format is ExportCSV (the default) or ExportJSON.
	Format string
}

// ExportRow is one phone in an export: who it is, what was found on it, and
// its newest release and certificate. In CSV, the columns are the JSON
// names in this order, risk kinds joined with ";", and empty cells for
// absent values.
type ExportRow struct {
	DeviceID     string           `json:"device_id"`
	Serial       string           `json:"serial"`
	IMEI         string           `json:"imei,omitempty"`
	Manufacturer string           `json:"manufacturer,omitempty"`
	Model        string           `json:"model,omitempty"`
	Verdict      protocol.Verdict `json:"verdict"`
	// RiskKinds are the locks present at the newest report.
	RiskKinds []protocol.RiskKind `json:"risk_kinds"`
	Online    bool                `json:"online"`
	LastSeen  time.Time           `json:"last_seen,omitzero"`
	// Release* describe the phone's newest release, when it had one.
	ReleaseID         string    `json:"release_id,omitempty"`
	ReleaseStage      string    `json:"release_stage,omitempty"`
	ReleaseOutcome    string    `json:"release_outcome,omitempty"`
	ReleaseReason     string    `json:"release_reason,omitempty"`
	ReleaseStartedAt  time.Time `json:"release_started_at,omitzero"`
	ReleaseFinishedAt time.Time `json:"release_finished_at,omitzero"`
	// Operator started the newest release.
	Operator string `json:"operator,omitempty"`
	// CertificateID and CertificateSHA256 name the certificate of the
	// newest release; the hash is the hex SHA-256 of the file as issued
	// (what sha256sum prints for it).
	CertificateID     string `json:"certificate_id,omitempty"`
	CertificateSHA256 string `json:"certificate_sha256,omitempty"`
	// Lot is the lot the phone is in, "" when none.
	Lot string `json:"lot,omitempty"`
}

// ExportColumns are the CSV header, in order.
var ExportColumns = []string{"device_id", "serial", "imei", "manufacturer", "model", "verdict", "risk_kinds", "online",
	"last_seen", "release_id", "release_stage", "release_outcome", "release_reason", "release_started_at",
	"release_finished_at", "operator", "certificate_id", "certificate_sha256", "lot"}
