package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// API paths, shared with the CLI through these constants' values in its docs.
const (
	pathDevices  = "GET /api/v1/devices"
	pathDevice   = "GET /api/v1/devices/{id}"
	pathCommand  = "POST /api/v1/devices/{id}/commands"
	pathSummary  = "GET /api/v1/summary"
	pathHealth   = "GET /healthz"
	historyLimit = 200
)

// DeviceDetail is the body of GET /api/v1/devices/{id}.
type DeviceDetail struct {
	Device          registry.Device           `json:"device"`
	StateHistory    []registry.StateChange    `json:"state_history"`
	PresenceHistory []registry.PresenceChange `json:"presence_history"`
	Commands        []registry.CommandRecord  `json:"commands"`
}

// SummaryBody is the body of GET /api/v1/summary.
type SummaryBody struct {
	Registry registry.Summary `json:"registry"`
	Ingest   IngestStats      `json:"ingest"`
}

// CommandRequest is the body of POST /api/v1/devices/{id}/commands.
type CommandRequest struct {
	Kind protocol.CommandKind `json:"kind"`
}

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
}

// maxRequestBody bounds request bodies; commands are a few bytes.
const maxRequestBody = 4 << 10

func newAPI(c *Controller) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(pathHealth, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc(pathDevices, func(w http.ResponseWriter, r *http.Request) {
		f, err := parseFilter(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		devices, err := c.reg.Devices(r.Context(), f)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		if devices == nil {
			devices = []registry.Device{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"devices": devices})
	})
	mux.HandleFunc(pathDevice, func(w http.ResponseWriter, r *http.Request) {
		d, err := deviceDetail(r, c.reg, r.PathValue("id"))
		switch {
		case errors.Is(err, registry.ErrNotFound):
			writeError(w, http.StatusNotFound, fmt.Errorf("device %q not found", r.PathValue("id")))
		case err != nil:
			writeError(w, http.StatusInternalServerError, err)
		default:
			writeJSON(w, http.StatusOK, d)
		}
	})
	mux.HandleFunc(pathCommand, func(w http.ResponseWriter, r *http.Request) {
		var req CommandRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("command request: %w", err))
			return
		}
		// Resets and cancels belong to the release workflow and its interlock;
		// this endpoint only starts the steps that cannot wipe a phone.
		switch req.Kind {
		case protocol.CommandRefresh, protocol.CommandSignOut, protocol.CommandDisableFindDevice:
		default:
			writeError(w, http.StatusBadRequest, fmt.Errorf("command kind %q is not accepted here (use refresh, sign_out or disable_find_device)", req.Kind))
			return
		}
		cmd, err := c.SendCommand(r.Context(), r.PathValue("id"), req.Kind)
		switch {
		case errors.Is(err, ErrUnknownDevice):
			writeError(w, http.StatusNotFound, err)
		case err != nil:
			writeError(w, http.StatusBadGateway, err)
		default:
			writeJSON(w, http.StatusAccepted, cmd)
		}
	})
	registerCommandRoutes(mux, c)
	registerMonitorRoutes(mux, c)
	registerEnrollRoutes(mux, c)
	registerReleaseRoutes(mux, c)
	registerAuditRoutes(mux, c)
	mux.HandleFunc(pathSummary, func(w http.ResponseWriter, r *http.Request) {
		s, err := c.reg.Summary(r.Context())
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, http.StatusOK, SummaryBody{Registry: s, Ingest: c.Stats()})
	})
	return mux
}

func deviceDetail(r *http.Request, reg *registry.Store, id string) (DeviceDetail, error) {
	ctx := r.Context()
	var d DeviceDetail
	var err error
	if d.Device, err = reg.Device(ctx, id); err != nil {
		return d, err
	}
	if d.StateHistory, err = reg.StateHistory(ctx, id, historyLimit); err != nil {
		return d, err
	}
	if d.PresenceHistory, err = reg.PresenceHistory(ctx, id, historyLimit); err != nil {
		return d, err
	}
	d.Commands, err = reg.Commands(ctx, id)
	return d, err
}

// parseFilter reads boolean query flags: ?bound&safe&unknown&online&offline.
func parseFilter(r *http.Request) (registry.Filter, error) {
	var f registry.Filter
	q := r.URL.Query()
	for name, dst := range map[string]*bool{
		"bound": &f.Bound, "safe": &f.Safe, "unknown": &f.Unknown, "online": &f.Online, "offline": &f.Offline,
	} {
		if !q.Has(name) {
			continue
		}
		v := q.Get(name)
		if v == "" {
			*dst = true
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, fmt.Errorf("filter %s=%q: want true or false", name, v)
		}
		*dst = b
	}
	return f, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, ErrorBody{Error: err.Error()})
}
