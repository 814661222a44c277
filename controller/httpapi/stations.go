package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
)

// stationPhones bounds the phones GET /api/v1/stations/{name} lists.
const stationPhones = 500

func stationOut(st registry.Station) api.Station {
	return api.Station{Name: st.Name, Lot: st.EffectiveLot(), ChosenLot: st.Lot, ChosenBy: st.LotSetBy,
		ChosenAt: st.LotSetAt, AgentLot: st.AgentLot, LastSeen: st.LastSeenAt, Phones: st.Phones}
}

func (s *server) stations(w http.ResponseWriter, r *http.Request) {
	sts, err := s.c.Stations(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]api.Station, 0, len(sts))
	for _, st := range sts {
		out = append(out, stationOut(st))
	}
	writeJSON(w, http.StatusOK, api.StationsBody{Stations: out})
}

func (s *server) station(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	st, ids, err := s.c.Station(r.Context(), name, stationPhones)
	if err != nil {
		stationError(w, name, err)
		return
	}
	out := api.StationDetail{Station: stationOut(st), Devices: make([]api.Device, 0, len(ids))}
	for _, id := range ids {
		d, err := s.c.Registry().Device(r.Context(), id)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		out.Devices = append(out.Devices, deviceOf(d))
	}
	if err := withStations(r.Context(), s.c.Registry(), out.Devices); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) setStationLot(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var req api.StationLotRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("station lot request: %w", err))
		return
	}
	st, err := s.c.SetStationLot(r.Context(), name, req.Lot, actor(r), req.Note)
	if err != nil {
		stationError(w, name, err)
		return
	}
	writeJSON(w, http.StatusOK, stationOut(st))
}

// stationError answers a station operation's error with its status.
func stationError(w http.ResponseWriter, name string, err error) {
	switch {
	case errors.Is(err, controller.ErrBadStation):
		writeError(w, http.StatusBadRequest, err)
	case errors.Is(err, registry.ErrNoSuchLot):
		writeError(w, http.StatusUnprocessableEntity, err)
	case errors.Is(err, registry.ErrLotClosed):
		writeError(w, http.StatusConflict, fmt.Errorf("station %q: the lot is closed: it takes no more phones", name))
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Errorf("station %q not found: no agent reported with --station %s", name, name))
	default:
		writeError(w, http.StatusInternalServerError, err)
	}
}

// withStations names, on each device, the station that reported it last.
func withStations(ctx context.Context, reg *registry.Store, ds []api.Device) error {
	if len(ds) == 1 {
		seen, ok, err := reg.DeviceStation(ctx, ds[0].ID)
		if ok {
			ds[0].Station, ds[0].StationSeenAt = seen.Station, seen.SeenAt
		}
		return err
	}
	if len(ds) == 0 {
		return nil
	}
	all, err := reg.DeviceStations(ctx)
	if err != nil {
		return err
	}
	for i := range ds {
		if seen, ok := all[ds[i].ID]; ok {
			ds[i].Station, ds[i].StationSeenAt = seen.Station, seen.SeenAt
		}
	}
	return nil
}
