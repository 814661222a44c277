package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/unbind/unbind/controller/httpapi"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/metrics"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

func TestMetricsListenRefusedBeyondLoopbackWithoutTLS(t *testing.T) {
	for _, tc := range []struct {
		name     string
		addr     string
		insecure bool
		wantErr  bool
	}{
		{"loopback", "127.0.0.1:0", false, false},
		{"every interface", "0.0.0.0:0", false, true},
		{"every interface, risk accepted", "0.0.0.0:0", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := controllertest.Start(t)
			srv, err := httpapi.Serve(c.Controller, httpapi.ServeConfig{Listen: "127.0.0.1:0",
				Metrics: metrics.New(metrics.Options{}), MetricsListen: tc.addr, Insecure: tc.insecure})
			if tc.wantErr {
				require.ErrorIs(t, err, httpapi.ErrMetricsListen)
				assert.Contains(t, err.Error(), tc.addr)
				return
			}
			require.NoError(t, err)
			defer srv.Close()
			assert.NotEmpty(t, srv.MetricsURL())
		})
	}
}

func TestNoMetricsIsNotFound(t *testing.T) {
	c := controllertest.Start(t)
	req, err := http.NewRequest(http.MethodGet, c.APIURL()+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+controllertest.Token(t, c, controller.RoleViewer))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	_, err = httpapi.Serve(c.Controller, httpapi.ServeConfig{Listen: "127.0.0.1:0", MetricsListen: "127.0.0.1:0"})
	assert.True(t, errors.Is(err, httpapi.ErrMetricsListen), "a metrics listener without metrics: %v", err)
}

// BenchmarkScrape10k scrapes a controller whose registry holds 10,000
// phones (a third at risk), 10,000 commands and 10,000 finished releases.
func BenchmarkScrape10k(b *testing.B) {
	m := metrics.New(metrics.Options{})
	c := controllertest.StartServing(b, func(cfg *httpapi.ServeConfig) { cfg.Metrics = m })
	ctx := context.Background()
	reg := c.Registry()
	now := time.Now().UTC().Add(-time.Hour)
	const n = 10000
	var batch []registry.Update
	for i := range n {
		var kinds []protocol.RiskKind
		if i%3 == 0 {
			kinds = []protocol.RiskKind{protocol.RiskGoogleFRP}
		}
		batch = append(batch, controllertest.StateUpdate(fmt.Sprintf("p%05d", i), now, kinds...))
		if len(batch) == 500 {
			require.NoError(b, reg.Apply(ctx, batch))
			batch = batch[:0]
		}
	}
	var (
		releases []registry.ReleaseRecord
		cmds     []string
	)
	for i := range n {
		id := fmt.Sprintf("p%05d", i)
		cmd := protocol.Command{V: protocol.Version, ID: "c-" + id, DeviceID: id, Kind: protocol.CommandFactoryReset,
			IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
		require.NoError(b, reg.RecordCommand(ctx, cmd, now))
		cmds = append(cmds, cmd.ID)
		releases = append(releases, registry.ReleaseRecord{ID: "r-" + id, DeviceID: id, Operator: "bench", Stage: "released",
			Outcome: registry.OutcomeReleased, CreatedAt: now, Deadline: now.Add(time.Hour),
			FinishedAt: now.Add(time.Duration(i%1800) * time.Second)})
	}
	require.NoError(b, reg.SetCommandsState(ctx, cmds, protocol.CommandSucceeded, now.Add(time.Minute), "bench"))
	require.NoError(b, reg.CreateReleases(ctx, releases))
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	for b.Loop() {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("scrape: %d %s", rec.Code, rec.Body)
		}
	}
}

// TestMetricsListenerChecksHost: the tokenless loopback listener answers
// only to loopback host names, so a page re-pointed at 127.0.0.1 (DNS
// rebinding) cannot read the fleet's counts.
func TestMetricsListenerChecksHost(t *testing.T) {
	c := controllertest.StartServing(t, func(cfg *httpapi.ServeConfig) {
		cfg.Metrics = metrics.New(metrics.Options{})
		cfg.MetricsListen = "127.0.0.1:0"
	})
	for _, tc := range []struct {
		host string
		want int
	}{
		{"", http.StatusOK}, // the URL's own: 127.0.0.1:port
		{"localhost:9465", http.StatusOK},
		{"[::1]:9465", http.StatusOK},
		{"attacker.example:9465", http.StatusMisdirectedRequest},
		{"attacker.example", http.StatusMisdirectedRequest},
		{"127.0.0.1.nip.io", http.StatusMisdirectedRequest},
	} {
		t.Run(tc.host, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, c.MetricsURL()+"/metrics", nil)
			require.NoError(t, err)
			if tc.host != "" {
				req.Host = tc.host
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.want, resp.StatusCode)
		})
	}
}
