package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxScanCode bounds a scanned code: serials, IMEIs and certificate IDs are
// far shorter.
const maxScanCode = 128

// find opens the phone a scanned or typed code names (device ID, serial,
// IMEI or certificate ID). A barcode scanner types the code and Enter into
// the page; assets/scan.js sends it here, and the fleet page's Find form
// does the same without script.
func (s *server) find(w http.ResponseWriter, r *http.Request, rq request) {
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	if code == "" || len(code) > maxScanCode {
		s.fail(w, rq, http.StatusBadRequest, fmt.Sprintf("Scan or type a serial, IMEI or certificate ID (at most %d characters).", maxScanCode))
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	ids, err := s.c.FindDevices(ctx, code)
	switch {
	case err != nil:
		s.log.Error("console: find", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
	case len(ids) == 1:
		http.Redirect(w, r, "/phones/"+url.PathEscape(ids[0]), http.StatusSeeOther)
	case len(ids) == 0:
		s.fail(w, rq, http.StatusNotFound, fmt.Sprintf("No phone has the code %q as its serial, IMEI, device ID or certificate ID.", code))
	default:
		s.fail(w, rq, http.StatusConflict, fmt.Sprintf("%d phones have the code %q: %s. Open one by its device ID.", len(ids), code, strings.Join(ids, ", ")))
	}
}
