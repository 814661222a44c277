package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
)

// holdRelease puts a running release on hold in the operator's name.
func (s *server) holdRelease(w http.ResponseWriter, r *http.Request) {
	var req api.HoldRequest
	if err := decodeBody(w, r, maxReleaseBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("hold request: %w", err))
		return
	}
	op, _ := OperatorFrom(r.Context())
	rec, err := s.c.HoldRelease(r.Context(), r.PathValue("id"), op.Name, req.Note)
	switch {
	case errors.Is(err, controller.ErrUnknownRelease):
		writeError(w, http.StatusNotFound, err)
	case errors.Is(err, controller.ErrNotHoldable):
		writeError(w, http.StatusConflict, err)
	case errors.Is(err, controller.ErrNoOperator), errors.Is(err, controller.ErrBadName):
		writeError(w, http.StatusBadRequest, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusOK, api.ReleasesBody{Releases: releasesOf([]registry.ReleaseRecord{rec})})
	}
}

// holds lists the releases on hold, oldest first.
func (s *server) holds(w http.ResponseWriter, r *http.Request) {
	hs, err := s.c.Holds(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	recs := make([]registry.ReleaseRecord, len(hs))
	for i, h := range hs {
		recs[i] = h.ReleaseRecord
	}
	writeJSON(w, http.StatusOK, api.ReleasesBody{Releases: releasesOf(recs)})
}
