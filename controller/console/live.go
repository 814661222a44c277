package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
)

// heartbeat keeps idle event streams (and proxies) from timing out.
const heartbeat = 15 * time.Second

// events streams the controller's changes as Server-Sent Events: "change"
// (the device's verdict, presence or commands) or "release" (one of its
// releases started or moved) with a device ID as a JSON string, or
// "resync" when this stream fell behind and the page must read everything
// again. The page then fetches
// the fragments it shows; no device data travels on the stream.
func (s *server) events(w http.ResponseWriter, r *http.Request, _ request) {
	rc := http.NewResponseController(w)
	// The server's write timeout is for ordinary answers; a stream lives
	// until the page or the controller goes.
	_ = rc.SetWriteDeadline(time.Time{})
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ch := s.c.Subscribe(ctx)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case e, ok := <-ch:
			if !ok {
				return // the controller is closing
			}
			err = writeEvent(w, e)
		case <-tick.C:
			_, err = fmt.Fprint(w, ": keep-alive\n\n")
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, e controller.Event) error {
	if e.Kind == controller.EventResync {
		_, err := fmt.Fprint(w, "event: resync\ndata: {}\n\n")
		return err
	}
	id, err := json.Marshal(e.DeviceID) // one line, whatever the ID holds
	if err != nil {
		return err
	}
	name := "change"
	if e.Kind == controller.EventRelease {
		name = "release"
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, id)
	return err
}

// benchShown is how many phones the bench view lists.
const benchShown = 24

type benchBody struct {
	Tiles []tile
}

func (s *server) benchView(ctx context.Context) (benchBody, error) {
	p, err := s.c.Registry().Fleet(ctx, registry.FleetQuery{NewestFirst: true, PageSize: benchShown})
	if err != nil {
		return benchBody{}, err
	}
	var b benchBody
	for _, d := range p.Devices {
		b.Tiles = append(b.Tiles, tileOf(d, latestOf(p, d.ID)))
	}
	return b, nil
}

func (s *server) bench(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	b, err := s.benchView(ctx)
	if err != nil {
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	s.render(w, http.StatusOK, "bench", "", s.data(rq, "Bench", "bench", b))
}

func (s *server) benchFragment(w http.ResponseWriter, r *http.Request, _ request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	b, err := s.benchView(ctx)
	if err != nil {
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
		return
	}
	s.render(w, http.StatusOK, "", "bench-list", b)
}
