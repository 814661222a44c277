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

// heartbeat keeps idle event streams (and proxies) from timing out; at each
// one the stream checks its session again.
const heartbeat = 15 * time.Second

// A stream's bounds: one write (an event or a heartbeat) must reach the
// client's socket within streamWriteTimeout, or the client is not reading
// and the stream ends; after streamMaxAge the stream ends anyway and the
// page reconnects (its "retry"), signing in to the caps again.
const (
	streamWriteTimeout = 10 * time.Second
	streamMaxAge       = 30 * time.Minute
)

// events streams the controller's changes as Server-Sent Events: "change"
// (the device's verdict, presence or commands) or "release" (one of its
// releases started or moved) with a device ID as a JSON string, or
// "resync" when this stream fell behind and the page must read everything
// again. The page then fetches
// the fragments it shows; no device data travels on the stream.
//
// A stream holds one of the API's connections while the page is open, so it
// is capped: per sign-in (perSessionStreams), per operator and in total
// (controller.Subscribe); past a cap it is 429 at once. It ends when the
// page goes, the session is signed out, the operator is revoked, or a write
// stalls.
func (s *server) events(w http.ResponseWriter, r *http.Request, rq request) {
	rc := http.NewResponseController(w)
	ctx, cancel := context.WithTimeout(r.Context(), streamMaxAge)
	defer cancel()
	release, ok := s.sessions.openStream(rq.sess, cancel)
	if !ok {
		w.Header().Set("Retry-After", "30")
		http.Error(w, fmt.Sprintf("this sign-in already has %d live streams open: close a tab", perSessionStreams), http.StatusTooManyRequests)
		return
	}
	defer release()
	ch, err := s.c.Subscribe(ctx, rq.op.Name)
	if err != nil {
		w.Header().Set("Retry-After", "30")
		http.Error(w, err.Error(), http.StatusTooManyRequests)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	// The server's write timeout is for ordinary answers; a stream sets its
	// own before each write.
	write := func(f func() error) error {
		if err := rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)); err != nil {
			return err
		}
		if err := f(); err != nil {
			return err
		}
		return rc.Flush()
	}
	err = write(func() error {
		w.WriteHeader(http.StatusOK)
		_, err := fmt.Fprint(w, "retry: 2000\n\n")
		return err
	})
	if err != nil {
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
				return // revoked, or the controller is closing
			}
			err = write(func() error { return writeEvent(w, e) })
		case <-tick.C:
			if _, aerr := s.c.Authenticate(ctx, rq.sess.token); aerr != nil {
				return // revoked or replaced since: the page must sign in again
			}
			err = write(func() error {
				// A named event, not a comment: the page sees it, and
				// a page that hears nothing for two heartbeats knows the
				// controller stopped answering.
				_, err := fmt.Fprint(w, "event: alive\ndata: {}\n\n")
				return err
			})
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
	Tiles   []tile
	Waiting waitingBody
	// CanAct offers each phone a box to tick for a release.
	CanAct bool
	// Live is where the list is read again when phones change; "" is the
	// whole bench's.
	Live string
}

func (s *server) benchView(ctx context.Context, rq request) (benchBody, error) {
	p, err := s.c.Registry().Fleet(ctx, registry.FleetQuery{NewestFirst: true, PageSize: benchShown})
	if err != nil {
		return benchBody{}, err
	}
	b := benchBody{CanAct: rq.op.Role.Allows(controller.RoleOperator)}
	if b.Waiting, err = s.waitingPhones(ctx); err != nil {
		return benchBody{}, err
	}
	for _, d := range p.Devices {
		b.Tiles = append(b.Tiles, tileOf(d, latestOf(p, d.ID)))
	}
	return b, nil
}
