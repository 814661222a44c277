package console

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/unbind/unbind/controller/lotreport"
	"github.com/unbind/unbind/controller/registry"
)

// lotPack downloads the lot's auditor's pack as a zip: the files `unbind
// lot report ID --dir D` writes (lotreport.Pack, the one definition of a
// pack), under one folder lot-ID, so that the unzipped folder is what
// `unbind cert verify --lot` checks. The manifest is signed at the time of
// the download.
func (s *server) lotPack(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	p, err := s.c.LotPack(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		s.fail(w, rq, http.StatusNotFound, fmt.Sprintf("No lot %q.", id))
		return
	}
	var buf bytes.Buffer
	if err == nil {
		var files []lotreport.PackFile
		if files, err = lotreport.Pack(p.API()); err == nil {
			err = lotreport.WriteZip(&buf, "lot-"+id, files)
		}
	}
	if err != nil {
		s.log.Error("console: lot pack", "lot", id, "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "The lot's pack could not be written.")
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="lot-%s-pack.zip"`, id))
	_, _ = w.Write(buf.Bytes())
}
