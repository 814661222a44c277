package controller

import (
	"encoding/json"
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

// MonitorRequest is the body of POST /api/v1/monitors.
type MonitorRequest struct {
	Name     string `json:"name"`
	Operator string `json:"operator,omitempty"`
}

func registerMonitorRoutes(mux *http.ServeMux, c *Controller) {
	mux.HandleFunc("POST /api/v1/monitors", func(w http.ResponseWriter, r *http.Request) {
		var req MonitorRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("monitor request: %w", err))
			return
		}
		actor := registry.ActorController
		if req.Operator != "" {
			actor = registry.OperatorActor(req.Operator)
		}
		m, err := c.NewMonitorCredential(r.Context(), req.Name, actor)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusCreated, m)
	})
}
