package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
)

func TestClientErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case api.DevicePath("gone"):
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"device \"gone\" not found"}`))
		case api.PathKey:
			_, _ = w.Write([]byte("PEM"))
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	c := api.NewClient(srv.URL+"/", nil)

	_, err := c.Device(ctx, "gone")
	var apiErr *api.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
	assert.Equal(t, `device "gone" not found`, err.Error(), "the controller's own words")

	_, err = c.Summary(ctx)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "GET /api/v1/summary: 418 I'm a teapot", err.Error())

	b, err := c.PublicKey(ctx)
	require.NoError(t, err)
	assert.Equal(t, "PEM", string(b))

	srv.Close()
	_, err = api.NewClient(srv.URL, nil).WithHint(" (hint)").Devices(ctx, api.DeviceFilter{})
	require.True(t, errors.Is(err, api.ErrUnreachable), "%v", err)
	assert.Contains(t, err.Error(), srv.URL+" (hint): ")

	_, err = api.NewClient("http://bad host", nil).Devices(ctx, api.DeviceFilter{})
	assert.ErrorIs(t, err, api.ErrBadURL)
}

func TestPathsEscapeIDs(t *testing.T) {
	assert.Equal(t, "/api/v1/devices/a%2Fb/certificate", api.CertificatePath("a/b"))
	assert.Equal(t, "/api/v1/commands/c1/cancel", api.CancelPath("c1"))
}
