package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
)

// certifyBatch answers POST /api/v1/batches/{id}/certificates.
func (s *server) certifyBatch(w http.ResponseWriter, r *http.Request) {
	var req api.CertificateRequest
	if r.ContentLength != 0 {
		if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("batch certificate request: %w", err))
			return
		}
	}
	op, _ := OperatorFrom(r.Context())
	batch := r.PathValue("id")
	got, err := s.c.CertifyBatch(r.Context(), batch, op.Name, req.Note)
	switch {
	case errors.Is(err, controller.ErrBadName):
		writeError(w, http.StatusBadRequest, err)
		return
	case errors.Is(err, controller.ErrUnknownBatch):
		writeError(w, http.StatusNotFound, fmt.Errorf("batch %q: no release has this batch ID", batch))
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	body := api.BatchCertificatesBody{BatchID: batch, Certificates: make([]api.BatchCertificate, 0, len(got))}
	for _, bc := range got {
		out := api.BatchCertificate{DeviceID: bc.Release.DeviceID, ReleaseID: bc.Release.ID, ReleaseState: bc.Release.State(),
			Issued: bc.Created, Reason: bc.Reason}
		if bc.Certificate != nil {
			c := certificateOf(*bc.Certificate)
			out.Certificate = &c
		}
		body.Certificates = append(body.Certificates, out)
	}
	writeJSON(w, http.StatusOK, body)
}
