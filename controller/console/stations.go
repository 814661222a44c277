package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
)

// benchPage is the bench page: every phone newest first with the stations
// and their lots, or, with ?station=NAME, that one station's phones, large,
// for the person at that bench.
type benchPage struct {
	benchBody
	// Station is the one station shown, nil on the whole bench.
	Station *registry.Station
	// Stations and OpenLots are the whole bench's station table and the
	// lots a station can be set to.
	Stations []registry.Station
	OpenLots []registry.Lot
	// Problem says why a station's lot was not set.
	Problem string
}

// stationBench is one station's phones as the bench list shows them, the
// most recently seen first.
func (s *server) stationBench(ctx context.Context, name string) (benchBody, registry.Station, error) {
	st, ids, err := s.c.Station(ctx, name, benchShown)
	if err != nil {
		return benchBody{}, st, err
	}
	b := benchBody{Live: "/fragments/bench?station=" + url.QueryEscape(name)}
	for _, id := range ids {
		d, err := s.c.Registry().Device(ctx, id)
		if err != nil {
			return benchBody{}, st, err
		}
		rel, err := s.latestRelease(ctx, id)
		if err != nil {
			return benchBody{}, st, err
		}
		b.Tiles = append(b.Tiles, tileOf(d, rel))
	}
	return b, st, nil
}

func (s *server) bench(w http.ResponseWriter, r *http.Request, rq request) {
	s.showBench(w, r, rq, http.StatusOK, "")
}

func (s *server) showBench(w http.ResponseWriter, r *http.Request, rq request, status int, problem string) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	if name := r.URL.Query().Get("station"); name != "" {
		b, st, err := s.stationBench(ctx, name)
		switch {
		case errors.Is(err, registry.ErrNotFound):
			s.fail(w, rq, http.StatusNotFound, fmt.Sprintf("No station %q has reported: start its agents with --station %s.", name, name))
		case err != nil:
			s.log.Error("console: station bench", "err", err)
			s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		default:
			s.render(w, status, "bench", "", s.data(rq, "Station "+st.Name, "bench", benchPage{benchBody: b, Station: &st}))
		}
		return
	}
	b, err := s.benchView(ctx, rq)
	var p benchPage
	if err == nil {
		p = benchPage{benchBody: b, Problem: problem}
		p.Stations, err = s.c.Stations(ctx)
	}
	if err == nil {
		p.OpenLots, err = s.openLots(ctx)
	}
	if err != nil {
		s.log.Error("console: bench", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	s.render(w, status, "bench", "", s.data(rq, "Bench", "bench", p))
}

func (s *server) openLots(ctx context.Context) ([]registry.Lot, error) {
	ls, err := s.c.Lots(ctx)
	open := ls[:0]
	for _, l := range ls {
		if l.State == registry.LotOpen {
			open = append(open, l)
		}
	}
	return open, err
}

func (s *server) benchFragment(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	var (
		b   benchBody
		err error
	)
	if name := r.URL.Query().Get("station"); name != "" {
		b, _, err = s.stationBench(ctx, name)
	} else {
		b, err = s.benchView(ctx, rq)
	}
	if err != nil {
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
		return
	}
	s.render(w, http.StatusOK, "", "bench-list", b)
}

// setStationLot sets the lot a station's phones join, over its agents'
// --lot; the empty choice gives the agents' --lot back.
func (s *server) setStationLot(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	name := r.PathValue("name")
	lot := strings.TrimSpace(r.PostForm.Get("lot"))
	_, err := s.c.SetStationLot(ctx, name, lot, rq.op.Actor(), "")
	switch {
	case err == nil:
		http.Redirect(w, r, "/bench", http.StatusSeeOther)
	case errors.Is(err, registry.ErrNotFound):
		s.fail(w, rq, http.StatusNotFound, fmt.Sprintf("No station %q has reported.", name))
	case errors.Is(err, registry.ErrLotClosed):
		s.showBench(w, r, rq, http.StatusConflict, fmt.Sprintf("Lot %s is closed: it takes no more phones.", lot))
	case errors.Is(err, registry.ErrNoSuchLot), errors.Is(err, controller.ErrBadStation):
		s.showBench(w, r, rq, http.StatusBadRequest, fmt.Sprintf("No open lot %q.", lot))
	default:
		s.log.Error("console: station lot", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "The station's lot could not be set.")
	}
}
