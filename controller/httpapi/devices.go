package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// historyLimit bounds each history in a device's detail.
const historyLimit = 200

func (s *server) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) summary(w http.ResponseWriter, r *http.Request) {
	sum, err := s.c.Registry().Summary(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, api.SummaryBody{Registry: summaryOf(sum), Ingest: s.c.Stats(),
		Enrollment: api.EnrollStats(s.c.EnrollStats())})
}

func (s *server) devices(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	devices, err := s.c.Registry().Devices(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	// manufacturer= and model= match as release's filter terms do: whole
	// value, any case.
	q := r.URL.Query()
	kept := devices[:0]
	for _, d := range devices {
		if matchParam(q, "manufacturer", d.Identity.Manufacturer) && matchParam(q, "model", d.Identity.Model) {
			kept = append(kept, d)
		}
	}
	out := devicesOf(kept)
	if err := withStations(r.Context(), s.c.Registry(), out); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, api.DevicesBody{Devices: out})
}

// matchParam says whether value matches the query parameter name, when given.
func matchParam(q url.Values, name, value string) bool {
	return !q.Has(name) || strings.EqualFold(q.Get(name), value)
}

func (s *server) device(w http.ResponseWriter, r *http.Request) {
	d, err := deviceDetail(r.Context(), s.c.Registry(), r.PathValue("id"))
	switch {
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, controller.DeviceNotFoundError{DeviceID: r.PathValue("id")})
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusOK, d)
	}
}

func deviceDetail(ctx context.Context, reg *registry.Store, id string) (api.DeviceDetail, error) {
	var d api.DeviceDetail
	dev, err := reg.Device(ctx, id)
	if err != nil {
		return d, err
	}
	d.Device = deviceOf(dev)
	one := []api.Device{d.Device}
	if err := withStations(ctx, reg, one); err != nil {
		return d, err
	}
	d.Device = one[0]
	states, err := reg.StateHistory(ctx, id, historyLimit)
	if err != nil {
		return d, err
	}
	d.StateHistory = stateChangesOf(states)
	presence, err := reg.PresenceHistory(ctx, id, historyLimit)
	if err != nil {
		return d, err
	}
	d.PresenceHistory = presenceChangesOf(presence)
	cmds, err := reg.Commands(ctx, id)
	d.Commands = commandsOf(cmds)
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

func (s *server) commands(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.c.Registry().Device(r.Context(), id); errors.Is(err, registry.ErrNotFound) {
		writeError(w, http.StatusNotFound, controller.DeviceNotFoundError{DeviceID: id})
		return
	}
	cmds, err := s.c.Registry().Commands(r.Context(), id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, api.CommandsBody{Commands: commandsOf(cmds)})
}

func (s *server) sendCommand(w http.ResponseWriter, r *http.Request) {
	var req api.CommandRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
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
	id := r.PathValue("id")
	cmd, err := s.c.SendCommand(r.Context(), id, req.Kind)
	switch {
	case errors.Is(err, controller.ErrUnknownDevice):
		writeError(w, http.StatusNotFound, controller.DeviceNotFoundError{DeviceID: id})
	case err != nil:
		writeError(w, http.StatusBadGateway, err)
	default:
		writeJSON(w, http.StatusAccepted, cmd)
	}
}

func (s *server) cancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cmd, err := s.c.Cancel(r.Context(), id)
	switch {
	case errors.Is(err, controller.ErrUnknownCommand):
		writeError(w, http.StatusNotFound, fmt.Errorf("command %q not found", id))
	case errors.Is(err, controller.ErrCommandFinished):
		writeError(w, http.StatusConflict, err)
	case err != nil:
		writeError(w, http.StatusBadGateway, err)
	default:
		writeJSON(w, http.StatusAccepted, cmd)
	}
}
