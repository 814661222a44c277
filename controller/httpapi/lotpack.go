package httpapi

import (
	"net/http"

	"github.com/unbind/unbind/api"
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
	out := api.LotPack{Lot: lotOut(p.Lot), Devices: make([]api.LotDevice, 0, len(p.Members)), Audit: auditOf(p.Audit),
		Manifest: string(p.Manifest), Certificates: make([]api.PackCertificate, 0, len(p.Certificates))}
	for _, m := range p.Members {
		out.Devices = append(out.Devices, memberOut(m))
	}
	for _, c := range p.Certificates {
		out.Certificates = append(out.Certificates, api.PackCertificate{ID: c.ID, DeviceID: c.DeviceID, File: string(c.Document)})
	}
	writeJSON(w, http.StatusOK, out)
}
