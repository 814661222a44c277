package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// defaultAuditLimit keeps an unqualified audit request bounded.
const defaultAuditLimit = 1000

func (s *server) audit(w http.ResponseWriter, r *http.Request) {
	s.serveAudit(w, r, "")
}

func (s *server) deviceAudit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.c.Registry().Device(r.Context(), id); errors.Is(err, registry.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Errorf("device %q not found", id))
		return
	}
	s.serveAudit(w, r, id)
}

func (s *server) serveAudit(w http.ResponseWriter, r *http.Request, deviceID string) {
	limit := defaultAuditLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("limit %q: want a whole number, 0 for all", v))
			return
		}
		limit = n
	}
	q := registry.AuditQuery{DeviceID: deviceID, Limit: limit}
	if v := r.URL.Query().Get("routine"); v != "" {
		show, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("routine %q: want true or false", v))
			return
		}
		q.HideRoutine = !show
	}
	entries, err := s.c.Registry().AuditRows(r.Context(), q)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, api.AuditBody{Entries: controller.AuditAPI(entries)})
}

func (s *server) certificate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec, err := s.c.Registry().LatestCertificate(r.Context(), id)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Errorf("no certificate was issued for device %q", id))
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusOK, certificateOf(rec))
	}
}

func (s *server) issueCertificate(w http.ResponseWriter, r *http.Request) {
	var req api.CertificateRequest
	if r.ContentLength != 0 {
		if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("certificate request: %w", err))
			return
		}
	}
	op, _ := OperatorFrom(r.Context())
	rec, created, err := s.c.IssueCertificate(r.Context(), r.PathValue("id"), op.Name, req.Note)
	switch {
	case errors.Is(err, controller.ErrBadName):
		writeError(w, http.StatusBadRequest, err)
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Errorf("device %q not found", r.PathValue("id")))
	case errors.Is(err, cert.ErrNotReleased):
		writeError(w, http.StatusConflict, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	case created:
		writeJSON(w, http.StatusCreated, certificateOf(rec))
	default:
		writeJSON(w, http.StatusOK, certificateOf(rec))
	}
}

// publicKey serves the key certificate readers verify against.
func (s *server) publicKey(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(protocol.EncodePublicKey(s.c.PublicKey()))
}
