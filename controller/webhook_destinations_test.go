package controller_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/webhooks"
)

// TestWebhookDestinationPolicy: a webhook may not point the controller at
// its own machine (loopback, unless the operator allowed it), its own API,
// link-local or cloud metadata addresses; a LAN receiver is fine.
func TestWebhookDestinationPolicy(t *testing.T) {
	ctx := context.Background()
	strict := controllertest.Start(t, func(cfg *controller.Config) { cfg.WebhookAllowLoopback = false })
	admin := controllertest.Client(t, strict)
	for _, tc := range []struct {
		url, why string
	}{
		{"http://127.0.0.1:9000/hook", "loopback"},
		{"http://127.1.2.3/hook", "loopback"},
		{"http://localhost:9000/hook", "loopback"},
		{"http://LOCALHOST./hook", "loopback"},
		{"http://app.localhost/hook", "loopback"},
		{"http://[::1]:9000/hook", "loopback"},
		{"http://[::ffff:127.0.0.1]/hook", "loopback"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://[fe80::1]/hook", "link-local"},
		{"http://[fd00:ec2::254]/latest/meta-data/", "metadata"},
		{"http://100.100.100.200/latest/meta-data/", "metadata"},
		{"http://0.0.0.0:8080/hook", "no address"},
		{"http://239.1.2.3/hook", "multicast"},
		{strict.APIURL() + "/api/v1/enroll", "own API"},
	} {
		_, err := admin.AddWebhook(ctx, api.WebhookRequest{URL: tc.url, Events: []string{"device.safe"}})
		var apiErr *api.Error
		if assert.ErrorAs(t, err, &apiErr, tc.url) {
			assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode, tc.url)
			assert.Contains(t, apiErr.Error(), tc.why, tc.url)
		}
	}
	_, err := admin.AddWebhook(ctx, api.WebhookRequest{URL: "http://10.20.30.40:8443/hook", Events: []string{"device.safe"}})
	assert.NoError(t, err, "a LAN receiver")

	// Allowing loopback (tests, development) still never allows the
	// controller's own API.
	dev := controllertest.Start(t) // the harness allows loopback
	_, err = controllertest.Client(t, dev).AddWebhook(ctx, api.WebhookRequest{URL: dev.APIURL() + "/api/v1/enroll", Events: []string{"device.safe"}})
	assert.ErrorContains(t, err, "the controller's own API")
}

// TestWebhookDialChecksResolvedAddress: a name is judged by the address it
// resolves to when the delivery connects, so "localhost" spelled any way, or
// a name re-pointed at 127.0.0.1 after it was added, is refused there.
func TestWebhookDialChecksResolvedAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port

	hc := webhooks.Destinations{}.Client()
	resp, err := hc.Post("http://localhost:"+itoa(port)+"/hook", "application/json", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
	}
	require.ErrorIs(t, err, webhooks.ErrDestinationRefused, "the name resolved to loopback")

	resp, err = webhooks.Destinations{AllowLoopback: true}.Client().Post("http://localhost:"+itoa(port)+"/hook", "application/json", strings.NewReader("{}"))
	require.NoError(t, err, "allowed for tests and development")
	resp.Body.Close()
	_, err = webhooks.Destinations{AllowLoopback: true, OwnPorts: []int{port}}.Client().Post("http://localhost:"+itoa(port)+"/hook", "application/json", strings.NewReader("{}"))
	require.ErrorIs(t, err, webhooks.ErrDestinationRefused, "the controller's own port never")
}

// TestWebhookSecretsHiddenFromViewers: a viewer sees a webhook's URL
// without its query (where receivers take tokens) and no delivery error
// (which would tell it what answers on which port); an admin sees both.
func TestWebhookSecretsHiddenFromViewers(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t, fastRetries)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + closed.Addr().String() + "/hook?token=s3cret"
	require.NoError(t, closed.Close()) // nothing answers there: each attempt errs
	admin := controllertest.Client(t, c)
	wh, err := admin.AddWebhook(ctx, api.WebhookRequest{URL: dead, Events: []string{"device.safe"}})
	require.NoError(t, err)
	_, err = admin.TestWebhook(ctx, wh.ID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		ds, err := admin.WebhookDeliveries(ctx, api.DeliveryFilter{})
		return err == nil && len(ds) == 1 && ds[0].LastError != ""
	}, 30*time.Second, 20*time.Millisecond, "an attempt failed and the admin reads why")

	viewer := api.NewClient(c.APIURL(), nil).WithToken(controllertest.Token(t, c, controller.RoleViewer))
	whs, err := viewer.Webhooks(ctx)
	require.NoError(t, err)
	require.Len(t, whs, 1)
	assert.NotContains(t, whs[0].URL, "s3cret")
	assert.Equal(t, strings.Split(dead, "?")[0]+"?redacted", whs[0].URL)
	ds, err := viewer.WebhookDeliveries(ctx, api.DeliveryFilter{})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Empty(t, ds[0].LastError, "no delivery error for a viewer")
	whs, err = admin.Webhooks(ctx)
	require.NoError(t, err)
	assert.Equal(t, dead, whs[0].URL, "the admin sees the whole URL")
}

func itoa(n int) string { return strconv.Itoa(n) }
