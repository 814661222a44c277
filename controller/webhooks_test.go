package controller_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/webhooks"
	"github.com/unbind/unbind/protocol"
)

// receiver is a webhook endpoint that answers each event's first failFirst
// attempts with 503 (all of them while down), then 200, and counts per event
// ID the attempts and the 2xx answers it gave to validly signed requests.
type receiver struct {
	t         *testing.T
	failFirst int

	mu       sync.Mutex
	secret   string
	down     bool
	attempts map[string]int
	acks     map[string]int
	types    map[string]string
	badSigs  int
}

func newReceiver(t *testing.T, failFirst int) (*receiver, *httptest.Server) {
	r := &receiver{t: t, failFirst: failFirst, attempts: map[string]int{}, acks: map[string]int{}, types: map[string]string{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := webhooks.Verify(rc.secret, r.Header.Get(webhooks.SignatureHeader), body, time.Now(), webhooks.DefaultTolerance); err != nil {
		rc.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev registry.WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" || ev.ID != r.Header.Get(webhooks.EventIDHeader) {
		rc.badSigs++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.attempts[ev.ID]++
	rc.types[ev.ID] = ev.Type
	if rc.down || rc.attempts[ev.ID] <= rc.failFirst {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rc.acks[ev.ID]++
	w.WriteHeader(http.StatusOK)
}

func (rc *receiver) set(f func(*receiver)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	f(rc)
}

func (rc *receiver) snapshot() (attempts, acks map[string]int, types map[string]string, badSigs int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	cp := func(m map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	types = map[string]string{}
	for k, v := range rc.types {
		types[k] = v
	}
	return cp(rc.attempts), cp(rc.acks), types, rc.badSigs
}

// fastRetries keeps the tests short; counts, not speeds, are checked.
func fastRetries(cfg *controller.Config) {
	cfg.Webhooks = webhooks.Policy{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}
}

func addWebhook(t *testing.T, c *controllertest.Controller, rc *receiver, url string) api.Webhook {
	t.Helper()
	wh, err := controllertest.Client(t, c).AddWebhook(context.Background(), api.WebhookRequest{URL: url, Events: registry.WebhookEventTypes})
	require.NoError(t, err)
	require.NotEmpty(t, wh.Secret)
	rc.set(func(r *receiver) { r.secret = wh.Secret })
	return wh
}

// makeEvents writes, through c's registry, two verdict changes of each of
// two phones (first at risk, then safe; safe) and a release of each that ends
// failed and canceled: 5 events.
func makeEvents(t *testing.T, c *controllertest.Controller, prefix string) {
	t.Helper()
	ctx := context.Background()
	reg := c.Registry()
	now := time.Now().UTC()
	a, b := prefix+"a", prefix+"b"
	require.NoError(t, reg.Apply(ctx, []registry.Update{
		controllertest.StateUpdate(a, now, protocol.RiskMiAccount),
		controllertest.StateUpdate(b, now),
	}))
	later := controllertest.StateUpdate(a, now.Add(time.Second))
	later.State.Seq = 2
	require.NoError(t, reg.Apply(ctx, []registry.Update{later}))
	for i, id := range []string{a, b} {
		rel := registry.ReleaseRecord{ID: "rel-" + id, DeviceID: id, Operator: "ana", Stage: "verify", CreatedAt: now, Deadline: now.Add(time.Hour)}
		require.NoError(t, reg.CreateRelease(ctx, rel))
		rel.Stage, rel.Outcome, rel.Reason = []string{"failed", "canceled"}[i], []string{"failed", "canceled"}[i], "test"
		rel.UpdatedAt, rel.FinishedAt = now.Add(2*time.Second), now.Add(2*time.Second)
		require.NoError(t, reg.UpdateRelease(ctx, rel))
	}
}

func deliveries(t *testing.T, c *controllertest.Controller) []registry.Delivery {
	t.Helper()
	ds, err := c.Registry().Deliveries(context.Background(), registry.DeliveryFilter{})
	require.NoError(t, err)
	return ds
}

func allDelivered(t *testing.T, c *controllertest.Controller, want int) func() bool {
	return func() bool {
		ds := deliveries(t, c)
		if len(ds) != want {
			return false
		}
		for _, d := range ds {
			if d.State != registry.DeliveryDelivered {
				return false
			}
		}
		return true
	}
}

// TestWebhookRetriedUntilAcknowledged: a receiver that fails each event
// twice and then answers 200 gets every event exactly once with a 2xx, each
// attempt validly signed, and nothing after its acknowledgement.
func TestWebhookRetriedUntilAcknowledged(t *testing.T) {
	c := controllertest.Start(t, fastRetries)
	rc, srv := newReceiver(t, 2)
	addWebhook(t, c, rc, srv.URL+"/hook?token=abc")

	makeEvents(t, c, "p")
	require.Eventually(t, allDelivered(t, c, 5), 60*time.Second, 20*time.Millisecond)

	attempts, acks, types, bad := rc.snapshot()
	assert.Zero(t, bad, "every attempt carried a valid signature")
	require.Len(t, acks, 5)
	for id, n := range acks {
		assert.Equal(t, 1, n, "event %s acknowledged once", id)
		assert.Equal(t, 3, attempts[id], "event %s: two failures, one success", id)
	}
	counts := map[string]int{}
	for _, typ := range types {
		counts[typ]++
	}
	assert.Equal(t, map[string]int{"device.at_risk": 1, "device.safe": 2, "release.failed": 1, "release.canceled": 1}, counts)
	for _, d := range deliveries(t, c) {
		assert.Equal(t, 3, d.Attempts)
		assert.Equal(t, http.StatusOK, d.LastStatus)
	}
}

// TestWebhookSurvivesRestart: deliveries pending when the controller stops
// are sent by the next controller on the same files; an event acknowledged
// before the stop is never sent again.
func TestWebhookSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	onFiles := func(cfg *controller.Config) {
		fastRetries(cfg)
		cfg.DBPath = filepath.Join(dir, "registry.db")
	}
	rc, srv := newReceiver(t, 0)
	c1 := controllertest.Start(t, onFiles)
	wh := addWebhook(t, c1, rc, srv.URL)

	// One event acknowledged before the stop.
	ctx := context.Background()
	eventID, err := c1.TestWebhook(ctx, wh.ID)
	require.NoError(t, err)
	require.Eventually(t, allDelivered(t, c1, 1), 60*time.Second, 20*time.Millisecond)

	// Then the receiver goes down and five more events are written; each is
	// tried at least once and stays pending.
	rc.set(func(r *receiver) { r.down = true })
	makeEvents(t, c1, "q")
	require.Eventually(t, func() bool {
		attempts, _, _, _ := rc.snapshot()
		return len(attempts) == 6
	}, 60*time.Second, 20*time.Millisecond)
	pending := 0
	for _, d := range deliveries(t, c1) {
		if d.State == registry.DeliveryPending {
			pending++
		}
	}
	assert.Equal(t, 5, pending)
	require.NoError(t, c1.Close())
	rc.set(func(r *receiver) { r.down = false })

	c2 := controllertest.Start(t, onFiles)
	require.Eventually(t, allDelivered(t, c2, 6), 60*time.Second, 20*time.Millisecond)
	attempts, acks, _, bad := rc.snapshot()
	assert.Zero(t, bad)
	assert.Equal(t, 1, attempts[eventID], "the event acknowledged before the stop was not sent again")
	require.Len(t, acks, 6)
	for id, n := range acks {
		assert.Equal(t, 1, n, "event %s acknowledged once", id)
	}
	assert.Equal(t, 1, acks[eventID])
}
