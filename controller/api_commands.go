package controller

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/unbind/unbind/controller/registry"
)

// registerCommandRoutes adds the command routes: a device's commands with
// their history, and canceling one.
func registerCommandRoutes(mux *http.ServeMux, c *Controller) {
	mux.HandleFunc("GET /api/v1/devices/{id}/commands", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if _, err := c.reg.Device(r.Context(), id); errors.Is(err, registry.ErrNotFound) {
			writeError(w, http.StatusNotFound, fmt.Errorf("device %q not found", id))
			return
		}
		cmds, err := c.reg.Commands(r.Context(), id)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"commands": cmds})
	})
	mux.HandleFunc("POST /api/v1/commands/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		cmd, err := c.Cancel(r.Context(), r.PathValue("id"))
		switch {
		case errors.Is(err, ErrUnknownCommand):
			writeError(w, http.StatusNotFound, err)
		case errors.Is(err, ErrCommandFinished):
			writeError(w, http.StatusConflict, err)
		case err != nil:
			writeError(w, http.StatusBadGateway, err)
		default:
			writeJSON(w, http.StatusAccepted, cmd)
		}
	})
}
