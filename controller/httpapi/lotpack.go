package httpapi

import (
	"net/http"
)

// lotPack answers what a lot's auditor's pack is made of, its manifest
// signed now.
func (s *server) lotPack(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p, err := s.c.LotPack(r.Context(), id)
	if err != nil {
		lotError(w, id, err)
		return
	}
	writeJSON(w, http.StatusOK, p.API())
}
