package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/metrics"
	"github.com/unbind/unbind/controller/release"
)

// scrape GETs url with token ("" for none) and parses the answer with the
// Prometheus text parser; it returns the status and, on 200, the families.
func scrape(t *testing.T, url, token string) (int, map[string]*dto.MetricFamily) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err, "parse the scrape of %s", url)
	return resp.StatusCode, fams
}

// value is the sample of family name whose labels include want; found is
// false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, found bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, w := range want {
			if have[k] != w {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// TestMetricsAfterRelease releases one clean phone and fails one whose
// person never signs out, then scrapes /metrics through the API (viewer
// token) and the tokenless loopback listener and checks the values.
func TestMetricsAfterRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := metrics.New(metrics.Options{})
	clock := controllertest.NewClock()
	c := controllertest.StartServing(t, func(cfg *httpapi.ServeConfig) {
		cfg.Metrics = m
		cfg.MetricsListen = "127.0.0.1:0"
	}, clock.Configure)
	clean := phone(androidsim.CleanXiaomi(), "mi-clean", androidsim.Complies)
	never := phone(androidsim.BoundXiaomi(), "mi-never", androidsim.Never)
	startFleet(t, c.BrokerURL(), []*androidsim.Phone{clean, never}, enrollVia(c))
	eventually(t, func() bool {
		for _, id := range []string{"mi-clean", "mi-never"} {
			d, err := c.Registry().Device(ctx, id)
			if err != nil || d.State == nil || !d.Online {
				return false
			}
		}
		return true
	}, "both phones report")

	viewer := controllertest.Token(t, c, controller.RoleViewer)
	status, before := scrape(t, c.APIURL()+"/metrics", viewer)
	require.Equal(t, http.StatusOK, status)
	v, ok := value(before, "unbind_phones", map[string]string{"verdict": "at_risk", "online": "true"})
	require.True(t, ok, "unbind_phones{verdict=at_risk,online=true}")
	assert.Equal(t, 1.0, v, "the bound phone is at risk and online")
	v, _ = value(before, "unbind_phones", map[string]string{"verdict": "safe", "online": "true"})
	assert.Equal(t, 1.0, v, "the clean phone is safe and online")
	v, _ = value(before, "unbind_release_running", nil)
	assert.Equal(t, 0.0, v)

	good, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"mi-clean"}, Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)
	bad, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"mi-never"}, Operator: "tester", Timeout: timing.HopelessTimeout})
	require.NoError(t, err)
	eventually(t, func() bool {
		got, err := c.Registry().Release(ctx, good[0].ID)
		return err == nil && release.Stage(got.Stage).Terminal()
	}, "the clean phone's release ends")
	clock.Advance(t, timing.HopelessTimeout) // the other's deadline
	eventually(t, func() bool {
		for _, r := range append(good, bad...) {
			got, err := c.Registry().Release(ctx, r.ID)
			if err != nil || !release.Stage(got.Stage).Terminal() {
				return false
			}
		}
		return true
	}, "both releases end")

	// Refused requests are counted under their route too.
	status, _ = scrape(t, c.APIURL()+"/metrics", "")
	require.Equal(t, http.StatusUnauthorized, status)

	status, fams := scrape(t, c.APIURL()+"/metrics", viewer)
	require.Equal(t, http.StatusOK, status)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"unbind_release_finished_total", map[string]string{"outcome": "released"}, 1},
		{"unbind_release_finished_total", map[string]string{"outcome": "failed"}, 1},
		{"unbind_release_duration_seconds", map[string]string{"outcome": "released"}, 1},
		{"unbind_release_duration_seconds", map[string]string{"outcome": "failed"}, 1},
		{"unbind_release_running", nil, 0},
		{"unbind_commands", map[string]string{"kind": "factory_reset", "state": "succeeded"}, 1},
		{"unbind_registry_up", nil, 1},
		{"unbind_ingest_rejected_total", map[string]string{"reason": "malformed"}, 0},
		{"unbind_http_requests_total", map[string]string{"route": "GET /metrics", "code": "401"}, 1},
		{"unbind_http_requests_total", map[string]string{"route": "GET /metrics", "code": "200"}, 1},
	} {
		got, ok := value(fams, tc.name, tc.labels)
		if assert.True(t, ok, "%s%v is missing", tc.name, tc.labels) {
			assert.Equal(t, tc.want, got, "%s%v", tc.name, tc.labels)
		}
	}
	phones := 0.0
	for _, m := range fams["unbind_phones"].GetMetric() {
		phones += m.GetGauge().GetValue()
	}
	assert.Equal(t, 2.0, phones, "every phone counted once")
	for _, name := range []string{"unbind_ingest_received_total", "unbind_ingest_applied_total", "unbind_ingest_batches_total",
		"unbind_ingest_batch_duration_seconds", "unbind_broker_clients_connected"} {
		got, ok := value(fams, name, nil)
		assert.True(t, ok && got > 0, "%s = %v", name, got)
	}
	received, _ := value(fams, "unbind_ingest_received_total", nil)
	assert.LessOrEqual(t, received, float64(c.Stats().Received), "the counter is the controller's own")
	_, ok = value(fams, "unbind_ingest_queue_depth", nil)
	assert.True(t, ok, "queue depth")
	for _, name := range []string{"go_goroutines", "process_open_fds"} {
		_, ok := fams[name]
		assert.True(t, ok, "%s from the Go and process collectors", name)
	}

	// The separate listener needs no token and serves nothing else.
	require.NotEmpty(t, c.MetricsURL())
	status, fams = scrape(t, c.MetricsURL()+"/metrics", "")
	require.Equal(t, http.StatusOK, status)
	v, _ = value(fams, "unbind_release_finished_total", map[string]string{"outcome": "released"})
	assert.Equal(t, 1.0, v)
	status, _ = scrape(t, c.MetricsURL()+"/api/v1/devices", "")
	assert.Equal(t, http.StatusNotFound, status)
}
