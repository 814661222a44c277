package webhooks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/unbind/unbind/controller/registry"
)

// Store is what the worker needs of the registry.
type Store interface {
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]registry.OutboundDelivery, error)
	NextDeliveryAt(ctx context.Context) (time.Time, bool, error)
	RecordAttempt(ctx context.Context, a registry.Attempt) error
}

// Config configures a Worker.
type Config struct {
	Store Store
	// Wake receives a value when deliveries were written
	// (registry.Store.OutboxWake); the worker also wakes for retries on a
	// timer set to the next due delivery.
	Wake   <-chan struct{}
	Policy Policy
	// Destinations says where deliveries may connect; Client, when nil, is
	// Destinations.Client().
	Destinations Destinations
	// Client posts the deliveries (tests may give their own).
	Client *http.Client
	Logger *slog.Logger
	Now    func() time.Time
	// UserAgent is sent with every delivery.
	UserAgent string
}

// Worker sends due deliveries until its context ends.
type Worker struct {
	cfg Config
	p   Policy
}

// New returns a worker; Run starts it.
func New(cfg Config) *Worker {
	if cfg.Client == nil {
		cfg.Client = cfg.Destinations.Client()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "unbind-webhooks"
	}
	return &Worker{cfg: cfg, p: cfg.Policy.WithDefaults()}
}

// lease is how long a claimed delivery stays out of other claims: longer
// than any attempt, so that one delivery is never sent twice at once. A
// crash leaves it pending, due again when the lease ends.
func (w *Worker) lease() time.Duration { return 2*w.p.Timeout + 30*time.Second }

type finished struct {
	d   registry.OutboundDelivery
	res Result
	at  time.Time
}

// Run claims and sends deliveries, at most Policy.Concurrency at once, and
// returns when ctx ends and the attempts in flight have been recorded
// (attempts cut short are not counted and are due again at once).
func (w *Worker) Run(ctx context.Context) {
	results := make(chan finished)
	inflight := 0
	for {
		if free := w.p.Concurrency - inflight; free > 0 && ctx.Err() == nil {
			ds, err := w.cfg.Store.ClaimDeliveries(ctx, w.cfg.Now().UTC(), w.lease(), free)
			if err != nil && ctx.Err() == nil {
				w.cfg.Logger.Warn("webhook deliveries not claimed", "err", err)
			}
			for _, d := range ds {
				inflight++
				go func() {
					res := w.send(ctx, d)
					results <- finished{d: d, res: res, at: w.cfg.Now().UTC()}
				}()
			}
		}
		var (
			timer <-chan time.Time
			t     *time.Timer
		)
		if inflight < w.p.Concurrency && ctx.Err() == nil {
			next, ok, err := w.cfg.Store.NextDeliveryAt(ctx)
			if err != nil && ctx.Err() == nil {
				w.cfg.Logger.Warn("webhook deliveries not read", "err", err)
				next, ok = w.cfg.Now().Add(w.p.Base), true
			}
			if ok {
				t = time.NewTimer(max(next.Sub(w.cfg.Now()), 0))
				timer = t.C
			}
		}
		select {
		case <-ctx.Done():
			for ; inflight > 0; inflight-- {
				w.record(ctx, <-results)
			}
			return
		case <-w.cfg.Wake:
		case <-timer:
		case f := <-results:
			inflight--
			w.record(ctx, f)
		}
		if t != nil {
			t.Stop()
		}
	}
}

// record stores an attempt's outcome, also while the worker stops: a 2xx
// that was received is always written, so it is never sent again.
func (w *Worker) record(ctx context.Context, f finished) {
	a := registry.Attempt{DeliveryID: f.d.ID, At: f.at, Counted: true, Status: f.res.Status}
	if f.res.Err != nil {
		a.Error = describe(f.res.Err)
	}
	if !f.res.Acknowledged() && ctx.Err() != nil {
		// Cut short by the stop, not the receiver's doing.
		a.Counted, a.State, a.NextAt = false, registry.DeliveryPending, f.at
	} else {
		a.State, a.NextAt = w.p.Decide(f.res, f.d.Attempts+1, f.d.CreatedAt, f.at, rand.Float64())
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.cfg.Store.RecordAttempt(rctx, a); err != nil {
		w.cfg.Logger.Error("webhook attempt not recorded", "webhook", f.d.WebhookID, "event", f.d.EventID, "err", err)
		return
	}
	lvl := slog.LevelDebug
	if a.State == registry.DeliveryFailed {
		lvl = slog.LevelWarn
	}
	w.cfg.Logger.Log(ctx, lvl, "webhook attempt", "webhook", f.d.WebhookID, "event", f.d.EventID,
		"status", f.res.Status, "state", a.State, "attempts", f.d.Attempts+1)
}

// maxAnswer bounds what is read of a receiver's answer.
const maxAnswer = 64 << 10

// send posts one delivery, signed now.
func (w *Worker) send(ctx context.Context, d registry.OutboundDelivery) Result {
	ctx, cancel := context.WithTimeout(ctx, w.p.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return Result{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.cfg.UserAgent)
	req.Header.Set(EventIDHeader, d.EventID)
	req.Header.Set(SignatureHeader, Sign(d.Secret, w.cfg.Now(), d.Body))
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return Result{Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	_ = resp.Body.Close()
	return Result{Status: resp.StatusCode}
}

// describe is an error without the URL, whose query may hold the
// receiver's token.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}
