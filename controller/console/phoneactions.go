package console

import (
	"errors"
	"net/http"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/protocol"
)

// phoneHref is the phone's page.
func phoneHref(id string) string { return "/phones/" + pathEscape(id) }

// recheck asks the phone for a fresh check now (a refresh command), as
// `unbind` and the API's commands do; the page shows the answer live.
func (s *server) recheck(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	_, err := s.c.SendCommand(ctx, id, protocol.CommandRefresh)
	switch {
	case errors.Is(err, controller.ErrUnknownDevice):
		s.fail(w, rq, http.StatusNotFound, "No phone has this ID.")
		return
	case err != nil:
		s.log.Warn("console: re-check", "err", err)
		s.fail(w, rq, http.StatusConflict, "The phone could not be asked for a fresh check: "+err.Error())
		return
	}
	http.Redirect(w, r, phoneHref(id), http.StatusSeeOther)
}

// cancelPhoneRelease cancels the phone's running release through the
// controller's CancelReleases, then shows the phone again.
func (s *server) cancelPhoneRelease(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	res, err := s.c.CancelReleases(ctx, []string{id}, rq.op.Name)
	if err != nil {
		s.log.Error("console: cancel the phone's release", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "The release could not be canceled.")
		return
	}
	if len(res) == 0 {
		s.fail(w, rq, http.StatusConflict, "This phone has no running release to cancel.")
		return
	}
	if !res[0].Canceled {
		s.fail(w, rq, http.StatusConflict, "The release was not canceled: the phone was already told to reset, and a reset under way is never interrupted.")
		return
	}
	http.Redirect(w, r, phoneHref(id), http.StatusSeeOther)
}
