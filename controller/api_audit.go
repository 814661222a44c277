package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/keys"
	"github.com/unbind/unbind/controller/registry"
)

// AuditBody is the body of GET /api/v1/audit and GET /api/v1/devices/{id}/audit.
type AuditBody struct {
	Entries []registry.AuditEntry `json:"entries"`
}

// CertificateRequest is the optional body of POST /api/v1/devices/{id}/certificate.
type CertificateRequest struct {
	// Operator is who asks for the certificate, for the audit trail.
	Operator string `json:"operator,omitempty"`
}

// CertificateBody answers the certificate routes. File is the signed JSON
// file exactly as issued: write it out unchanged.
type CertificateBody struct {
	ID        string    `json:"id"`
	DeviceID  string    `json:"device_id"`
	ReleaseID string    `json:"release_id"`
	IssuedAt  time.Time `json:"issued_at"`
	File      string    `json:"file"`
}

// defaultAuditLimit keeps an unqualified audit request bounded.
const defaultAuditLimit = 1000

// registerAuditRoutes adds the audit trail, release certificates and the
// controller's public key, which certificate readers verify against.
func registerAuditRoutes(mux *http.ServeMux, c *Controller) {
	mux.HandleFunc("GET /api/v1/audit", func(w http.ResponseWriter, r *http.Request) {
		serveAudit(w, r, c, "")
	})
	mux.HandleFunc("GET /api/v1/devices/{id}/audit", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if _, err := c.reg.Device(r.Context(), id); errors.Is(err, registry.ErrNotFound) {
			writeError(w, http.StatusNotFound, fmt.Errorf("device %q not found", id))
			return
		}
		serveAudit(w, r, c, id)
	})
	mux.HandleFunc("GET /api/v1/devices/{id}/certificate", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		rec, err := c.reg.LatestCertificate(r.Context(), id)
		switch {
		case errors.Is(err, registry.ErrNotFound):
			writeError(w, http.StatusNotFound, fmt.Errorf("no certificate was issued for device %q", id))
		case err != nil:
			writeError(w, http.StatusInternalServerError, err)
		default:
			writeJSON(w, http.StatusOK, certificateBody(rec))
		}
	})
	mux.HandleFunc("POST /api/v1/devices/{id}/certificate", func(w http.ResponseWriter, r *http.Request) {
		var req CertificateRequest
		if r.ContentLength != 0 {
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				writeError(w, http.StatusBadRequest, fmt.Errorf("certificate request: %w", err))
				return
			}
		}
		rec, created, err := c.issueCertificate(r, r.PathValue("id"), req)
		switch {
		case errors.Is(err, registry.ErrNotFound):
			writeError(w, http.StatusNotFound, fmt.Errorf("device %q not found", r.PathValue("id")))
		case errors.Is(err, cert.ErrNotReleased):
			writeError(w, http.StatusConflict, err)
		case err != nil:
			writeError(w, http.StatusInternalServerError, err)
		case created:
			writeJSON(w, http.StatusCreated, certificateBody(rec))
		default:
			writeJSON(w, http.StatusOK, certificateBody(rec))
		}
	})
	mux.HandleFunc("GET /api/v1/key", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(keys.EncodePublic(c.PublicKey()))
	})
}

func serveAudit(w http.ResponseWriter, r *http.Request, c *Controller, deviceID string) {
	limit := defaultAuditLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("limit %q: want a whole number, 0 for all", v))
			return
		}
		limit = n
	}
	entries, err := c.reg.Audit(r.Context(), deviceID, limit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, AuditBody{Entries: entries})
}

// issueCertificate returns the certificate of the device's newest release,
// issuing and storing it the first time; created says which.
func (c *Controller) issueCertificate(r *http.Request, deviceID string, req CertificateRequest) (registry.CertificateRecord, bool, error) {
	ctx := r.Context()
	in, err := cert.Gather(ctx, c.reg, deviceID)
	if err != nil {
		return registry.CertificateRecord{}, false, err
	}
	if in.Release.ID != "" && in.Release.Outcome == registry.OutcomeReleased {
		rec, err := c.reg.ReleaseCertificate(ctx, in.Release.ID)
		if err == nil {
			return rec, false, nil
		}
		if !errors.Is(err, registry.ErrNotFound) {
			return rec, false, err
		}
	}
	sc, err := cert.Issue(in, c.key)
	if err != nil {
		return registry.CertificateRecord{}, false, err
	}
	rec := registry.CertificateRecord{ID: sc.Doc.ID, DeviceID: deviceID, ReleaseID: in.Release.ID,
		IssuedAt: sc.Doc.IssuedAt, Document: sc.File}
	actor := registry.ActorController
	if req.Operator != "" {
		actor = registry.OperatorActor(req.Operator)
	}
	if err := c.reg.StoreCertificate(ctx, rec, actor); err != nil {
		return registry.CertificateRecord{}, false, fmt.Errorf("certificate for device %s: %w", deviceID, err)
	}
	return rec, true, nil
}

func certificateBody(rec registry.CertificateRecord) CertificateBody {
	return CertificateBody{ID: rec.ID, DeviceID: rec.DeviceID, ReleaseID: rec.ReleaseID, IssuedAt: rec.IssuedAt, File: string(rec.Document)}
}
