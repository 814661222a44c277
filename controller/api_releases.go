package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/unbind/unbind/controller/registry"
)

// ReleaseAPIRequest is the body of POST /api/v1/releases. Exactly one of
// DeviceIDs, All and Filter selects the phones.
type ReleaseAPIRequest struct {
	DeviceIDs []string `json:"device_ids,omitempty"`
	All       bool     `json:"all,omitempty"`
	// Filter is a comma-separated list of bound, safe, unknown, online,
	// offline, manufacturer=NAME and model=NAME, all of which must hold.
	Filter         string `json:"filter,omitempty"`
	Operator       string `json:"operator"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty"`
}

// ReleasesBody is the body of the release routes' answers.
type ReleasesBody struct {
	Releases []registry.ReleaseRecord `json:"releases"`
}

func registerReleaseRoutes(mux *http.ServeMux, c *Controller) {
	mux.HandleFunc("POST /api/v1/releases", func(w http.ResponseWriter, r *http.Request) {
		var req ReleaseAPIRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("release request: %w", err))
			return
		}
		ids, err := c.selectDevices(r, req)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		rs, err := c.StartReleases(r.Context(), ReleaseRequest{
			DeviceIDs: ids, Operator: req.Operator, Timeout: time.Duration(req.TimeoutSeconds) * time.Second,
		})
		switch {
		case errors.Is(err, ErrUnknownDevice):
			writeError(w, http.StatusNotFound, err)
		case errors.Is(err, ErrNoOperator):
			writeError(w, http.StatusBadRequest, err)
		case err != nil:
			writeError(w, http.StatusInternalServerError, err)
		default:
			writeJSON(w, http.StatusAccepted, ReleasesBody{Releases: nonNil(rs)})
		}
	})
	mux.HandleFunc("GET /api/v1/releases", func(w http.ResponseWriter, r *http.Request) {
		var out []registry.ReleaseRecord
		for _, id := range r.URL.Query()["id"] {
			rel, err := c.reg.Release(r.Context(), id)
			if errors.Is(err, registry.ErrNotFound) {
				writeError(w, http.StatusNotFound, fmt.Errorf("release %q not found", id))
				return
			}
			if err != nil {
				writeError(w, http.StatusInternalServerError, err)
				return
			}
			out = append(out, rel)
		}
		writeJSON(w, http.StatusOK, ReleasesBody{Releases: nonNil(out)})
	})
}

func nonNil(rs []registry.ReleaseRecord) []registry.ReleaseRecord {
	if rs == nil {
		return []registry.ReleaseRecord{}
	}
	return rs
}

// selectDevices turns a release request into device IDs.
func (c *Controller) selectDevices(r *http.Request, req ReleaseAPIRequest) ([]string, error) {
	n := 0
	for _, set := range []bool{len(req.DeviceIDs) > 0, req.All, req.Filter != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("say which phones: device IDs, all, or a filter (exactly one)")
	}
	if len(req.DeviceIDs) > 0 {
		return req.DeviceIDs, nil
	}
	var f registry.Filter
	var match []func(registry.Device) bool
	if req.Filter != "" {
		for _, term := range strings.Split(req.Filter, ",") {
			key, value, hasValue := strings.Cut(strings.TrimSpace(term), "=")
			switch {
			case key == "bound" && !hasValue:
				f.Bound = true
			case key == "safe" && !hasValue:
				f.Safe = true
			case key == "unknown" && !hasValue:
				f.Unknown = true
			case key == "online" && !hasValue:
				f.Online = true
			case key == "offline" && !hasValue:
				f.Offline = true
			case key == "manufacturer" && hasValue:
				match = append(match, func(d registry.Device) bool { return strings.EqualFold(d.Identity.Manufacturer, value) })
			case key == "model" && hasValue:
				match = append(match, func(d registry.Device) bool { return strings.EqualFold(d.Identity.Model, value) })
			default:
				return nil, fmt.Errorf("filter term %q: want bound, safe, unknown, online, offline, manufacturer=NAME or model=NAME", term)
			}
		}
	}
	devices, err := c.reg.Devices(r.Context(), f)
	if err != nil {
		return nil, err
	}
	var ids []string
next:
	for _, d := range devices {
		for _, m := range match {
			if !m(d) {
				continue next
			}
		}
		ids = append(ids, d.ID)
	}
	if len(ids) == 0 {
		return nil, errors.New("no phone matches")
	}
	return ids, nil
}
