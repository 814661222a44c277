package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
)

func (s *server) startReleases(w http.ResponseWriter, r *http.Request) {
	var req api.ReleaseRequest
	if err := decodeBody(w, r, maxReleaseBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("release request: %w", err))
		return
	}
	switch req.OnTimeout {
	case "", api.OnTimeoutFail, api.OnTimeoutHold:
	default:
		writeError(w, http.StatusBadRequest, fmt.Errorf("release request: on_timeout %q: want %q or %q", req.OnTimeout, api.OnTimeoutFail, api.OnTimeoutHold))
		return
	}
	op, _ := OperatorFrom(r.Context())
	ids, err := selectDevices(r.Context(), s.c.Registry(), req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.DryRun {
		devices := make([]registry.Device, 0, len(ids))
		for _, id := range ids {
			d, err := s.c.Registry().Device(r.Context(), id)
			if errors.Is(err, registry.ErrNotFound) {
				writeError(w, http.StatusNotFound, controller.DeviceNotFoundError{DeviceID: id})
				return
			}
			if err != nil {
				writeError(w, http.StatusInternalServerError, err)
				return
			}
			devices = append(devices, d)
		}
		writeJSON(w, http.StatusOK, api.DevicesBody{Devices: devicesOf(devices)})
		return
	}
	rs, err := s.c.StartReleases(r.Context(), controller.ReleaseRequest{
		DeviceIDs: ids, Operator: op.Name, Note: req.Note, Timeout: time.Duration(req.TimeoutSeconds) * time.Second,
		Restart: req.Restart, HoldOnTimeout: req.OnTimeout == api.OnTimeoutHold,
	})
	switch {
	case errors.Is(err, controller.ErrUnknownDevice):
		writeError(w, http.StatusNotFound, err)
	case errors.Is(err, controller.ErrNoOperator), errors.Is(err, controller.ErrBadName):
		writeError(w, http.StatusBadRequest, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		recs := make([]registry.ReleaseRecord, len(rs))
		for i, rel := range rs {
			recs[i] = rel.ReleaseRecord
		}
		out := releasesOf(recs)
		for i := range out {
			out[i].Kept = rs[i].Kept
		}
		writeJSON(w, http.StatusAccepted, api.ReleasesBody{Releases: out})
	}
}

func (s *server) cancelReleases(w http.ResponseWriter, r *http.Request) {
	var req api.CancelReleasesRequest
	if err := decodeBody(w, r, maxReleaseBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("cancel request: %w", err))
		return
	}
	if req.All == (len(req.DeviceIDs) > 0) {
		writeError(w, http.StatusBadRequest, errors.New("say which releases: device IDs or all (exactly one)"))
		return
	}
	ids := req.DeviceIDs
	if req.All {
		ids = nil
	}
	op, _ := OperatorFrom(r.Context())
	res, err := s.c.CancelReleases(r.Context(), ids, op.Name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]api.CanceledRelease, len(res))
	for i, cr := range res {
		out[i] = api.CanceledRelease{Release: releasesOf([]registry.ReleaseRecord{cr.Release})[0], Canceled: cr.Canceled}
	}
	writeJSON(w, http.StatusOK, api.CanceledReleasesBody{Releases: out})
}

// selectDevices turns a release request into device IDs.
func selectDevices(ctx context.Context, reg *registry.Store, req api.ReleaseRequest) ([]string, error) {
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
	sel, err := ParseSelection(req.Filter)
	if err != nil {
		return nil, err
	}
	devices, err := sel.Devices(ctx, reg)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(devices))
	for _, d := range devices {
		ids = append(ids, d.ID)
	}
	if len(ids) == 0 {
		return nil, errors.New("no phone matches")
	}
	return ids, nil
}

// confirmRelease records an operator's statement that the phone of a
// release waiting for its reset shows the first-boot setup screen.
func (s *server) confirmRelease(w http.ResponseWriter, r *http.Request) {
	var req api.ConfirmReleaseRequest
	if err := decodeBody(w, r, maxReleaseBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("confirm request: %w", err))
		return
	}
	op, _ := OperatorFrom(r.Context())
	rec, err := s.c.ConfirmRelease(r.Context(), r.PathValue("id"), op.Name, req.Note)
	switch {
	case errors.Is(err, controller.ErrUnknownRelease):
		writeError(w, http.StatusNotFound, err)
	case errors.Is(err, controller.ErrReleaseNotWaiting), errors.Is(err, controller.ErrConfirmContradicted):
		writeError(w, http.StatusConflict, err)
	case errors.Is(err, controller.ErrNoOperator), errors.Is(err, controller.ErrBadName):
		writeError(w, http.StatusBadRequest, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusOK, api.ReleasesBody{Releases: releasesOf([]registry.ReleaseRecord{rec})})
	}
}
