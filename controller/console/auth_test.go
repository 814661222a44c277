package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/console"
	"github.com/unbind/unbind/controller/controllertest"
)

func TestSignInAndOut(t *testing.T) {
	c := controllertest.Start(t)
	tok := controllertest.Token(t, c, controller.RoleViewer)
	b := newBrowser(t, c.APIURL())

	status, loc := b.get("/phones/p1?x=1")
	assert.Equal(t, http.StatusSeeOther, status, "a page without a session redirects")
	assert.Equal(t, "/login?next=%2Fphones%2Fp1%3Fx%3D1", loc)

	status, _ = b.get("/login")
	require.Equal(t, http.StatusOK, status)
	status, _ = b.post("/login", url.Values{"token": {tok}}, false)
	assert.Equal(t, http.StatusForbidden, status, "sign-in without its CSRF token")
	status, body := b.post("/login", url.Values{"token": {"wrong"}}, true)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, body, "unknown or revoked")

	resp, err := b.hc.PostForm(b.base+"/login", url.Values{"token": {tok}, "csrf": {b.csrf}, "next": {"//evil.example/"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/", resp.Header.Get("Location"), "an off-site next is not followed")
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "unbind_session" {
			sess = ck
		}
	}
	require.NotNil(t, sess)
	assert.True(t, sess.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, sess.SameSite)
	assert.Positive(t, sess.MaxAge, "the session cookie expires")
	assert.False(t, sess.Secure, "plain HTTP on loopback: Secure would drop it")

	status, body = b.get("/")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "(viewer)")

	status, _ = b.post("/logout", nil, false)
	assert.Equal(t, http.StatusForbidden, status, "sign-out without CSRF")
	status, loc = b.post("/logout", nil, true)
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/login", loc)

	// The old cookie is dead on the server, not only in this browser.
	replay := newBrowser(t, c.APIURL())
	u, _ := url.Parse(c.APIURL())
	replay.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "unbind_session", Value: sess.Value}})
	status, _ = replay.get("/")
	assert.Equal(t, http.StatusSeeOther, status, "a signed-out session is refused")
}

func TestRevokedOperatorIsSignedOut(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	tok, err := c.AddOperator(ctx, "leaver", controller.RoleOperator, false, "operator:test", "")
	require.NoError(t, err)
	b := signIn(t, c.APIURL(), tok)
	err = c.RevokeOperator(ctx, "leaver", "operator:test", "")
	require.NoError(t, err)
	status, _ := b.get("/")
	assert.Equal(t, http.StatusSeeOther, status)
}

func TestSessionExpires(t *testing.T) {
	c := controllertest.Start(t)
	now := time.Now()
	clock := func() time.Time { return now }
	srv := httptest.NewServer(console.New(c.Controller, console.Options{SessionTTL: time.Hour, Now: func() time.Time { return clock() }}))
	t.Cleanup(srv.Close)
	b := signIn(t, srv.URL, controllertest.Token(t, c, controller.RoleViewer))
	now = now.Add(2 * time.Hour)
	status, _ := b.get("/")
	assert.Equal(t, http.StatusSeeOther, status, "an expired session redirects to sign-in")
}

// TestRefusals: every page and action without a session, with a role too
// low, and without the CSRF token.
func TestRefusals(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, phone{id: "p1", serial: "S1", online: true})
	anon := newBrowser(t, c.APIURL())
	viewer := as(t, c, controller.RoleViewer)
	op := as(t, c, controller.RoleOperator)

	pages := []string{"/", "/bench", "/releases", "/phones/p1", "/phones/p1/certificate", "/phones/p1/certificate.json", "/releases/certificates.zip?batch=x"}
	for _, p := range pages {
		status, loc := anon.get(p)
		assert.Equal(t, http.StatusSeeOther, status, p)
		assert.True(t, strings.HasPrefix(loc, "/login?next="), p)
	}
	for _, p := range []string{"/events", "/fragments/counts", "/fragments/tile/p1", "/fragments/phone/p1", "/fragments/release/x", "/fragments/bench"} {
		status, _ := anon.get(p)
		assert.Equal(t, http.StatusUnauthorized, status, p)
	}
	actions := []struct {
		path string
		form url.Values
	}{
		{"/release/confirm", url.Values{"id": {"p1"}}},
		{"/release", url.Values{"id": {"p1"}}},
		{"/releases/cancel", url.Values{"all": {"1"}}},
		{"/phones/p1/certificate", nil},
	}
	for _, a := range actions {
		status, _ := anon.post(a.path, a.form, false)
		assert.Equal(t, http.StatusUnauthorized, status, "anonymous %s", a.path)
		viewer.get("/")
		status, _ = viewer.post(a.path, cloneForm(a.form), true)
		assert.Equal(t, http.StatusForbidden, status, "viewer %s", a.path)
		status, _ = op.post(a.path, cloneForm(a.form), false)
		assert.Equal(t, http.StatusForbidden, status, "operator %s without CSRF", a.path)
		form := cloneForm(a.form)
		form.Set("csrf", "0"+strings.Repeat("a", 63))
		status, _ = op.post(a.path, form, false)
		assert.Equal(t, http.StatusForbidden, status, "operator %s with a wrong CSRF token", a.path)
	}
	rs, err := c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rs, "no refused request started a release")

	// A viewer sees no action.
	_, body := viewer.get("/")
	assert.NotContains(t, body, `type="checkbox"`)
	assert.NotContains(t, body, "Release selected")
	_, body = op.get("/")
	assert.Contains(t, body, `type="checkbox"`)
}

func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func TestHostCheck(t *testing.T) {
	c := controllertest.Start(t)
	req, err := http.NewRequest(http.MethodGet, c.APIURL()+"/login", nil)
	require.NoError(t, err)
	req.Host = "rebound.example"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode)
}

func TestOneTimeLink(t *testing.T) {
	c := controllertest.Start(t)
	tok := controllertest.Token(t, c, controller.RoleOperator)
	ask := func(token string) (int, api.ConsoleLink) {
		req, err := http.NewRequest(http.MethodPost, c.APIURL()+console.LinksPath, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body api.ConsoleLink
		if resp.StatusCode == http.StatusOK {
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		}
		return resp.StatusCode, body
	}
	status, _ := ask("")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = ask("not-a-token")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, link := ask(tok)
	require.Equal(t, http.StatusOK, status)

	b := newBrowser(t, c.APIURL())
	status, body := b.get(link.Path)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Sign in as test-operator-")
	code := strings.TrimPrefix(link.Path, "/login/link?code=")
	status, _ = b.post("/login/link", url.Values{"code": {code}}, false)
	assert.Equal(t, http.StatusForbidden, status, "no CSRF token")
	status, loc := b.post("/login/link", url.Values{"code": {code}}, true)
	require.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/", loc)
	status, body = b.get("/")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "(operator)")

	other := newBrowser(t, c.APIURL())
	status, _ = other.get(link.Path)
	assert.Equal(t, http.StatusUnauthorized, status, "a used link is dead")
	status, _ = other.post("/login/link", url.Values{"code": {code}}, true)
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = other.get("/")
	assert.Equal(t, http.StatusSeeOther, status)
}

// TestSecureCookieUnderTLS: served over TLS, the session cookie is Secure.
func TestSecureCookieUnderTLS(t *testing.T) {
	c := controllertest.Start(t)
	srv := httptest.NewTLSServer(console.New(c.Controller, console.Options{}))
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL)
	b.hc.Transport = srv.Client().Transport
	status, _ := b.get("/login")
	require.Equal(t, http.StatusOK, status)
	resp, err := b.hc.PostForm(srv.URL+"/login", url.Values{"token": {controllertest.Token(t, c, controller.RoleViewer)}, "csrf": {b.csrf}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var secure bool
	for _, ck := range resp.Cookies() {
		if ck.Name == "unbind_session" {
			secure = ck.Secure && ck.HttpOnly && ck.SameSite == http.SameSiteStrictMode
		}
	}
	assert.True(t, secure, "Secure, HttpOnly, SameSite=Strict")
}
