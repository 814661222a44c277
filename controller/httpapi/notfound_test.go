package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
)

// TestUnknownAPIPath: a path under /api/ that no route claims is the API's
// JSON 404, never the console's sign-in redirect or page; the loopback Host
// check applies to it too.
func TestUnknownAPIPath(t *testing.T) {
	c := controllertest.Start(t)
	token := controllertest.Token(t, c, controller.RoleViewer)
	tests := []struct {
		name, method, path, token, host string
		status                          int
	}{
		{"unknown version", http.MethodGet, "/api/v2/devices", token, "", http.StatusNotFound},
		{"unknown route", http.MethodGet, "/api/v1/nothing", token, "", http.StatusNotFound},
		{"without a token", http.MethodGet, "/api/v1/nothing", "", "", http.StatusNotFound},
		{"a post", http.MethodPost, "/api/nothing", token, "", http.StatusNotFound},
		{"the bare prefix", http.MethodGet, "/api/", token, "", http.StatusNotFound},
		{"a rebound host name", http.MethodGet, "/api/v1/nothing", token, "evil.example", http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := request(t, tt.method, c.APIURL()+tt.path, tt.token, "application/json", tt.host)
			assert.Equal(t, tt.status, status, body)
			assert.Equal(t, "application/json", h.Get("Content-Type"))
			var eb api.ErrorBody
			require.NoError(t, json.Unmarshal([]byte(body), &eb), body)
			assert.NotEmpty(t, eb.Error)
		})
	}
}
