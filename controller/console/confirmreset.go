package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
)

type confirmResetBody struct {
	Row   releaseRow
	Error string
}

// confirmReset is the console's "The phone shows the setup screen —
// confirm reset" button on a release waiting for its reset. The first post
// shows what the operator is about to state; the second (sure=yes) states
// it through the controller's ConfirmRelease, the one path the API's
// POST /api/v1/releases/{id}/confirm takes, in the operator's name.
func (s *server) confirmReset(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	rel, err := s.c.Registry().Release(ctx, id)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		s.fail(w, rq, http.StatusNotFound, "No release has this ID.")
		return
	case err != nil:
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	b := confirmResetBody{Row: s.rowOf(ctx, rel, rq)}
	if !waitsForReset(rel) {
		s.fail(w, rq, http.StatusConflict, "This release does not wait for its reset (it is "+stageWords(rel.Stage)+"): nothing to confirm.")
		return
	}
	if r.PostForm.Get("sure") != "yes" {
		s.render(w, http.StatusOK, "confirm-reset", "", s.data(rq, "Confirm the reset", "releases", b))
		return
	}
	note := strings.TrimSpace(r.PostForm.Get("note"))
	_, err = s.c.ConfirmRelease(ctx, id, rq.op.Name, note)
	switch {
	case errors.Is(err, controller.ErrBadName):
		b.Error = err.Error()
		s.render(w, http.StatusUnprocessableEntity, "confirm-reset", "", s.data(rq, "Confirm the reset", "releases", b))
	case errors.Is(err, controller.ErrUnknownRelease):
		s.fail(w, rq, http.StatusNotFound, "No release has this ID.")
	case errors.Is(err, controller.ErrReleaseNotWaiting):
		s.fail(w, rq, http.StatusConflict, "This release no longer waits for its reset: nothing was confirmed.")
	case errors.Is(err, controller.ErrConfirmContradicted):
		b.Error = "Not confirmed: " + strings.TrimPrefix(err.Error(), "confirm release "+id+": ")
		s.render(w, http.StatusConflict, "confirm-reset", "", s.data(rq, "Confirm the reset", "releases", b))
	case err != nil:
		s.log.Error("console: confirm reset", "release", id, "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "The reset could not be confirmed.")
	default:
		http.Redirect(w, r, "/phones/"+pathEscape(rel.DeviceID), http.StatusSeeOther)
	}
}
