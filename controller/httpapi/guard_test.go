package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// request answers one call; header values may be empty.
func request(t *testing.T, method, url, token, contentType, host string) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{}`)
	}
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Origin", "http://evil.example")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// routeURL fills a route's wildcards with id.
func routeURL(base string, r httpapi.Route, id string) (method, url string) {
	method, path, _ := strings.Cut(r.Pattern, " ")
	path = strings.NewReplacer("{id}", id, "{name}", id).Replace(path)
	return method, base + path
}

// TestEveryRouteNeedsItsRole walks the route table, so a route added later
// cannot skip it: without a token or with a bad one every non-public route
// answers 401, with a lower role 403, always as JSON, and the same for a
// device that exists and one that does not.
func TestEveryRouteNeedsItsRole(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{controllertest.StateUpdate("p1", time.Now().UTC(), protocol.RiskGoogleFRP)}))
	tokens := map[controller.Role]string{}
	for _, role := range []controller.Role{controller.RoleViewer, controller.RoleOperator, controller.RoleAdmin} {
		tokens[role] = controllertest.Token(t, c, role)
	}
	revoked := controllertest.Token(t, c, controller.RoleAdmin)
	ops, err := c.Operators(ctx)
	require.NoError(t, err)
	for _, o := range ops {
		if op, err := c.Authenticate(ctx, revoked); err == nil && op.Name == o.Name {
			require.NoError(t, c.RevokeOperator(ctx, o.Name, registry.ActorController, ""))
		}
	}
	public := 0
	for _, r := range httpapi.Routes(c.Controller) {
		require.NotEmpty(t, r.Role, "%s has no role", r.Pattern)
		if r.Role == httpapi.Public {
			public++
			continue
		}
		for _, id := range []string{"p1", "ghost"} {
			method, url := routeURL(c.APIURL(), r, id)
			for name, tok := range map[string]string{"none": "", "made up": "not-a-token", "revoked": revoked} {
				status, hdr, body := request(t, method, url, tok, "application/json", "")
				assert.Equal(t, http.StatusUnauthorized, status, "%s %s token %s", r.Pattern, id, name)
				assert.Equal(t, "application/json", hdr.Get("Content-Type"), r.Pattern)
				assert.Empty(t, hdr.Get("Access-Control-Allow-Origin"), r.Pattern)
				var e api.ErrorBody
				require.NoError(t, json.Unmarshal([]byte(body), &e), r.Pattern)
				assert.NotContains(t, e.Error, id, "a refusal must not talk about the device")
			}
			for role, tok := range tokens {
				status, _, _ := request(t, method, url, tok, "application/json", "")
				if role.Allows(r.Role) {
					assert.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "%s as %s", r.Pattern, role)
				} else {
					assert.Equal(t, http.StatusForbidden, status, "%s as %s", r.Pattern, role)
				}
			}
		}
	}
	assert.Equal(t, 2, public, "only /healthz and enrollment are public")
}

// TestForeignHostAndNonJSONRefused: a loopback API answers only to
// loopback names (DNS rebinding), POST bodies must be JSON (no form or
// simple cross-site post), and no CORS header is ever sent.
func TestForeignHostAndNonJSONRefused(t *testing.T) {
	c := controllertest.Start(t)
	admin := controllertest.AdminToken(t, c)
	base := c.APIURL()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	tests := []struct {
		name, method, path, contentType, host string
		want                                  int
	}{
		{"rebound name", "GET", "/api/v1/devices", "", "evil.example:" + port, http.StatusMisdirectedRequest},
		{"rebound name, public route", "GET", "/healthz", "", "evil.example", http.StatusMisdirectedRequest},
		{"localhost", "GET", "/api/v1/devices", "", "localhost:" + port, http.StatusOK},
		{"ipv6 loopback", "GET", "/api/v1/devices", "", "[::1]:" + port, http.StatusOK},
		{"text/plain", "POST", "/api/v1/enroll/tokens", "text/plain", "", http.StatusUnsupportedMediaType},
		{"form", "POST", "/api/v1/enroll/tokens", "application/x-www-form-urlencoded", "", http.StatusUnsupportedMediaType},
		{"no content type", "POST", "/api/v1/monitors", "", "", http.StatusUnsupportedMediaType},
		{"json with charset", "POST", "/api/v1/enroll/tokens", "application/json; charset=utf-8", "", http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, _ := request(t, tc.method, base+tc.path, admin, tc.contentType, tc.host)
			assert.Equal(t, tc.want, status)
			assert.Empty(t, hdr.Get("Access-Control-Allow-Origin"))
		})
	}
}

// TestNamesAndNotesValidated: control characters never reach the registry
// through the API.
func TestNamesAndNotesValidated(t *testing.T) {
	c := controllertest.Start(t)
	client := controllertest.Client(t, c)
	ctx := context.Background()
	for _, name := range []string{"", "a\nb", "esc\x1b[2J", "nul\x00", strings.Repeat("x", 65), "rtl\u202e"} {
		_, err := client.AddOperator(ctx, api.OperatorRequest{Name: name, Role: "viewer"})
		assert.ErrorContains(t, err, "invalid name", "%q", name)
		_, err = client.NewMonitor(ctx, api.MonitorRequest{Name: name})
		assert.Error(t, err, "%q", name)
	}
	_, err := client.AddOperator(ctx, api.OperatorRequest{Name: "ok", Role: "viewer", Note: "forged\nline"})
	assert.ErrorContains(t, err, "invalid name")
	_, err = client.AddOperator(ctx, api.OperatorRequest{Name: "ok", Role: "root"})
	assert.ErrorContains(t, err, "role")
	tok, err := client.AddOperator(ctx, api.OperatorRequest{Name: "Åsa Ödegård", Role: "viewer"})
	require.NoError(t, err)
	me, err := api.NewClient(c.APIURL(), nil).WithToken(tok.Token).Me(ctx)
	require.NoError(t, err)
	assert.Equal(t, api.Me{Name: "Åsa Ödegård", Role: "viewer"}, me)
	_, err = client.AddOperator(ctx, api.OperatorRequest{Name: "Åsa Ödegård", Role: "admin"})
	var apiErr *api.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusConflict, apiErr.StatusCode)

	// Revoked: the token stops working at once; the audit names the admin.
	require.NoError(t, client.RevokeOperator(ctx, "Åsa Ödegård", "left"))
	_, err = api.NewClient(c.APIURL(), nil).WithToken(tok.Token).Me(ctx)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	entries, err := client.Audit(ctx, "", 0)
	require.NoError(t, err)
	last := entries[len(entries)-1]
	assert.Equal(t, "operator.revoked", last.Action)
	assert.Regexp(t, `^operator:test-admin-\d+$`, last.Actor)
	assert.Equal(t, "left", last.Note)
}

// TestSlowBodiesCutWhileMQTTServes floods the API with more connections
// than it admits, each dribbling a request body: the server cuts every one
// at its read timeout, the broker keeps admitting a device meanwhile, and
// the API answers again afterwards. Loopback only, bounded loops.
func TestSlowBodiesCutWhileMQTTServes(t *testing.T) {
	c := controllertest.StartServing(t, func(cfg *httpapi.ServeConfig) {
		cfg.ReadTimeout = time.Second
		cfg.MaxConns = 8
	})
	ctx := context.Background()
	addr := strings.TrimPrefix(c.APIURL(), "http://")
	const flood = 40
	conns := make([]net.Conn, 0, flood)
	for range flood {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		_, err = fmt.Fprintf(conn, "POST /api/v1/enroll HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", addr)
		require.NoError(t, err)
		conns = append(conns, conn)
	}

	// The broker serves while the API is flooded.
	tok, err := c.NewEnrollmentToken(ctx, time.Hour)
	require.NoError(t, err)
	e, err := c.Enroll(ctx, tok.Token, "flooded-1")
	require.NoError(t, err)
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	mc, err := mqttconn.Dial(dialCtx, mqttconn.Options{BrokerURL: c.BrokerURL(), ClientID: broker.DeviceClientIDPrefix + "flooded-1",
		Username: e.MQTTUsername, Password: e.MQTTPassword, CleanSession: true})
	require.NoError(t, err, "MQTT must keep serving while HTTP is flooded")
	mc.Close(100 * time.Millisecond)

	// Every dribbling connection is cut: keep writing a byte at a time until
	// the server closes (bounded: 600 writes each, far past the timeout).
	cut := 0
	for _, conn := range conns {
		for range 600 {
			_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Write([]byte(" ")); err != nil {
				cut++
				break
			}
			_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if _, err := bufio.NewReader(conn).ReadByte(); err == nil || !isTimeout(err) {
				cut++ // an answer (408/400) or EOF: the server gave up on it
				break
			}
		}
	}
	assert.Equal(t, flood, cut, "every slow body is cut")

	// The API answers again.
	require.Eventually(t, func() bool {
		resp, err := http.Get(c.APIURL() + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
