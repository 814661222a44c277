// Package controllertest starts a real controller for tests: embedded broker
// (or an external one), SQLite registry in a temporary directory (or
// PostgreSQL: OnPostgres), the HTTP
// API served as `unbind serve` serves it (controller/httpapi), everything on
// port 0, and a bounded shutdown at the end of the test.
package controllertest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// Controller is a running controller with its HTTP API served.
type Controller struct {
	*controller.Controller
	API *httpapi.Server
}

// APIURL is the base URL of the served API.
func (c *Controller) APIURL() string { return c.API.URL() }

// MetricsURL is the base URL of the tokenless metrics listener, or "".
func (c *Controller) MetricsURL() string { return c.API.MetricsURL() }

// attachable is what controller/metrics offers beside serving: told of
// ingest batches, and handed the controller to read at scrape time.
type attachable interface {
	ObserveBatch(updates int, took time.Duration)
	Attach(*controller.Controller)
}

// Start runs a controller and serves its API until the test ends. configure
// may change the controller's config before start (for example to set
// BrokerURL).
func Start(t testing.TB, configure ...func(*controller.Config)) *Controller {
	t.Helper()
	return StartServing(t, nil, configure...)
}

// StartServing is Start with serve changing how the API is served (metrics,
// TLS); it may be nil.
func StartServing(t testing.TB, serve func(*httpapi.ServeConfig), configure ...func(*controller.Config)) *Controller {
	t.Helper()
	cfg := controller.Config{
		DBPath:        filepath.Join(t.TempDir(), "registry.db"),
		FlushInterval: 20 * time.Millisecond,
		Logger:        Logger(t),
		Version:       "test",
		// Tests receive webhooks on httptest servers, on loopback.
		WebhookAllowLoopback: true,
		// Agents a test leaves connected need not hold its end up.
		BrokerCloseGrace: 200 * time.Millisecond,
	}
	for _, f := range configure {
		f(&cfg)
	}
	if cfg.BrokerURL == "" && cfg.MQTTListener == nil {
		cfg.MQTTListener = listen(t)
	}
	scfg := httpapi.ServeConfig{Listener: listen(t), Logger: cfg.Logger}
	if serve != nil {
		serve(&scfg)
	}
	// Metrics given to serve are wired as `unbind serve` wires them.
	m, withMetrics := scfg.Metrics.(attachable)
	if withMetrics {
		cfg.ObserveBatch = m.ObserveBatch
	}
	srv, err := httpapi.Listen(scfg)
	require.NoError(t, err, "listen for the API")
	cfg.OwnPorts = append(cfg.OwnPorts, srv.Ports()...)
	if cfg.MaxEventStreams == 0 && scfg.MaxConns > 0 {
		cfg.MaxEventStreams = controller.StreamCap(scfg.MaxConns)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := controller.Start(ctx, cfg)
	if err != nil {
		srv.Close()
	}
	require.NoError(t, err, "start controller")
	if withMetrics {
		m.Attach(c)
	}
	srv.Serve(c)
	t.Cleanup(func() {
		done := make(chan error, 1)
		go func() { done <- errors.Join(srv.Close(), c.Close()) }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("close controller: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("controller did not stop within 30s")
		}
	})
	return &Controller{Controller: c, API: srv}
}

// AdminToken adds an admin operator account to c (named "test-admin-N")
// and returns its API token.
func AdminToken(t testing.TB, c Operators) string {
	return Token(t, c, controller.RoleAdmin)
}

var tokenSeq atomic.Int64

// Operators is what Token needs of a controller: *controller.Controller
// and *Controller both have it.
type Operators interface {
	AddOperator(ctx context.Context, name string, role controller.Role, replace bool, actor, note string) (string, error)
}

// Token adds an operator account with role to c and returns its API token.
func Token(t testing.TB, c Operators, role controller.Role) string {
	t.Helper()
	name := fmt.Sprintf("test-%s-%d", role, tokenSeq.Add(1))
	tok, err := c.AddOperator(context.Background(), name, role, false, registry.ActorController, "")
	require.NoError(t, err, "add operator %s", name)
	return tok
}

// Client is an API client of c authenticated as an admin.
func Client(t testing.TB, c *Controller) *api.Client {
	return api.NewClient(c.APIURL(), nil).WithToken(AdminToken(t, c))
}

// StateUpdate is a report of device id received at receivedAt: safe with no
// kinds, else with one risk of each kind.
func StateUpdate(id string, receivedAt time.Time, kinds ...protocol.RiskKind) registry.Update {
	s := &protocol.DeviceState{V: 1, DeviceID: id, Seq: 1, Report: protocol.Report{
		Device: protocol.Identity{Serial: id}, SafeToReset: len(kinds) == 0, Risks: []protocol.Risk{}, Catalogue: protocol.CatalogueRevision,
		FindDevice: protocol.TriOff, LostMode: protocol.TriOff, CheckedAt: receivedAt,
	}}
	for _, k := range kinds {
		s.Risks = append(s.Risks, protocol.Risk{Kind: k, Check: "test", Evidence: "test"})
	}
	return registry.Update{DeviceID: id, ReceivedAt: receivedAt, State: s}
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

// Logger returns a logger that writes warnings and errors to the test log
// until the test ends, and drops them after (t.Log then would panic).
func Logger(t testing.TB) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
