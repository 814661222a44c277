// Package controllertest starts a real controller for tests: embedded broker
// (or an external one), SQLite registry in a temporary directory, HTTP API,
// everything on port 0, and a bounded shutdown at the end of the test.
package controllertest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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

// Start runs a controller until the test ends. configure may change the
// config before start (for example to set BrokerURL).
func Start(t testing.TB, configure ...func(*controller.Config)) *controller.Controller {
	t.Helper()
	cfg := controller.Config{
		DBPath:        filepath.Join(t.TempDir(), "registry.db"),
		HTTPListener:  listen(t),
		FlushInterval: 20 * time.Millisecond,
		Logger:        Logger(t),
		Version:       "test",
		// Tests receive webhooks on httptest servers, on loopback.
		WebhookAllowLoopback: true,
		API:                  func(c *controller.Controller) http.Handler { return httpapi.New(c) },
		// Agents a test leaves connected need not hold its end up.
		BrokerCloseGrace: 200 * time.Millisecond,
	}
	for _, f := range configure {
		f(&cfg)
	}
	if cfg.BrokerURL == "" && cfg.MQTTListener == nil {
		cfg.MQTTListener = listen(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := controller.Start(ctx, cfg)
	require.NoError(t, err, "start controller")
	t.Cleanup(func() {
		done := make(chan error, 1)
		go func() { done <- c.Close() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("close controller: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("controller did not stop within 30s")
		}
	})
	return c
}

// AdminToken adds an admin operator account to c (named "test-admin-N")
// and returns its API token.
func AdminToken(t testing.TB, c *controller.Controller) string {
	return Token(t, c, controller.RoleAdmin)
}

var tokenSeq atomic.Int64

// Token adds an operator account with role to c and returns its API token.
func Token(t testing.TB, c *controller.Controller, role controller.Role) string {
	t.Helper()
	name := fmt.Sprintf("test-%s-%d", role, tokenSeq.Add(1))
	tok, err := c.AddOperator(context.Background(), name, role, false, registry.ActorController, "")
	require.NoError(t, err, "add operator %s", name)
	return tok
}

// Client is an API client of c authenticated as an admin.
func Client(t testing.TB, c *controller.Controller) *api.Client {
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
