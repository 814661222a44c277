package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/console"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/protocol"
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
	srv := httptest.NewServer(console.New(c, console.Options{SessionTTL: time.Hour, Now: func() time.Time { return clock() }}))
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

func fleetPhones() []phone {
	return []phone{
		{id: "safe-1", serial: "SAFE1", maker: "Xiaomi", model: "Redmi Note 12", online: true},
		{id: "bound-1", serial: "BOUND1", maker: "Xiaomi", model: "13", online: true, kinds: []protocol.RiskKind{protocol.RiskMiAccount, protocol.RiskFindDevice}},
		{id: "unk-1", serial: "UNK1", maker: "samsung", model: "S21", online: true, unknown: true},
		{id: "new-1", serial: "", maker: "", online: true, noState: true},
		{id: "off-1", serial: "OFF1", maker: "Google", model: "Pixel 7", online: false},
		{id: "xss-1", serial: `<script>alert("x")</script>`, maker: `<b>evil</b>`, model: `"><img src=x onerror=alert(1)>`, online: true},
	}
}

func TestFleet(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, fleetPhones()...)
	b := as(t, c, controller.RoleViewer)

	status, body := b.get("/")
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{
		`<span class="n">2</span> safe`, `<span class="n">1</span> not safe`, `<span class="n">2</span> could not tell`, `<span class="n">1</span> offline`,
		"BOUND1", "Mi account signed in", "Find Device on", "Ask the owner to sign out of the Mi account",
		"UNK1", "a check could not finish", "Wait for the phone&#39;s first check",
		"last known: safe", "Connect the phone and start its agent",
	} {
		assert.Contains(t, body, want)
	}
	assert.Equal(t, 1, count(body, `<span class="badge v-at_risk">not safe</span>`))
	// Attacker-controlled fields are escaped.
	assert.NotContains(t, body, `<script>alert`)
	assert.NotContains(t, body, `<b>evil</b>`)
	assert.NotContains(t, body, `<img src=x`)
	assert.Contains(t, body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`)

	tests := []struct {
		query     string
		want, not []string
	}{
		{"verdict=at_risk", []string{"BOUND1"}, []string{"SAFE1", "UNK1", "OFF1"}},
		{"verdict=offline", []string{"OFF1"}, []string{"SAFE1", "BOUND1"}},
		{"online=no", []string{"OFF1"}, []string{"SAFE1"}},
		{"online=yes&verdict=safe", []string{"SAFE1"}, []string{"OFF1", "BOUND1"}},
		{"maker=xiaomi", []string{"SAFE1", "BOUND1"}, []string{"UNK1", "OFF1"}},
		{"q=bound", []string{"BOUND1"}, []string{"SAFE1"}},
		{"release=none", []string{"SAFE1", "BOUND1"}, nil},
		{"release=running", nil, []string{"SAFE1", "BOUND1"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, body := b.get("/?" + tt.query)
			require.Equal(t, http.StatusOK, status)
			for _, w := range tt.want {
				assert.Contains(t, body, ">"+w+"<")
			}
			for _, n := range tt.not {
				assert.NotContains(t, body, ">"+n+"<")
			}
		})
	}
}

func TestFleetPages(t *testing.T) {
	c := controllertest.Start(t)
	var ps []phone
	for i := range console.PageSize + 5 {
		ps = append(ps, phone{id: fmt.Sprintf("p%04d", i), serial: fmt.Sprintf("S%04d", i), online: true})
	}
	seed(t, c, ps...)
	b := as(t, c, controller.RoleViewer)
	_, body := b.get("/")
	assert.Equal(t, console.PageSize, count(body, `class="tile `))
	assert.Contains(t, body, "Page 1 of 2")
	assert.Contains(t, body, `href="/?page=2"`)
	_, body = b.get("/?page=2")
	assert.Equal(t, 5, count(body, `class="tile `))
	assert.Contains(t, body, ">S0104<")
	_, body = b.get("/?page=99")
	assert.Contains(t, body, "Page 2 of 2", "a page past the end shows the last")
}

func TestPhone(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, fleetPhones()...)
	b := as(t, c, controller.RoleViewer)
	status, body := b.get("/phones/bound-1")
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{"BOUND1", "not safe", "mi_account", "What to do next", "State history", "Presence history", "Commands", "Audit trail", "None yet"} {
		assert.Contains(t, body, want)
	}
	_, body = b.get("/phones/xss-1")
	assert.NotContains(t, body, "<script>alert")
	status, _ = b.get("/phones/nope")
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = b.get("/phones/bound-1/certificate")
	assert.Equal(t, http.StatusNotFound, status, "no certificate yet")
	status, _ = b.get("/phones/bound-1/certificate.json")
	assert.Equal(t, http.StatusNotFound, status)

	status, body = b.get("/fragments/phone/bound-1")
	require.Equal(t, http.StatusOK, status)
	assert.True(t, strings.HasPrefix(body, `<section class="phone-live`), body)
	status, body = b.get("/fragments/tile/bound-1")
	require.Equal(t, http.StatusOK, status)
	assert.True(t, strings.HasPrefix(body, `<li class="tile v-at_risk"`), body)
	status, _ = b.get("/fragments/tile/nope")
	assert.Equal(t, http.StatusNotFound, status)
	status, body = b.get("/bench")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "BOUND1")
	status, body = b.get("/fragments/counts")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `<span class="n">6</span> in all`)
}

func TestRelease(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, fleetPhones()...)
	op := as(t, c, controller.RoleOperator)

	status, body := op.post("/release/confirm", url.Values{"id": {"safe-1"}}, true)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Release 1 phone?")
	assert.NotContains(t, body, `name="count"`, "one phone needs no typed count")
	status, loc := op.post("/release", url.Values{"id": {"safe-1"}, "note": {"bench 3"}}, true)
	require.Equal(t, http.StatusSeeOther, status, loc)
	require.True(t, strings.HasPrefix(loc, "/releases?batch="), loc)
	status, body = op.get(loc)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "SAFE1")
	assert.Contains(t, body, "certificates.zip?batch=")
	rs, err := c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, "safe-1", rs[0].DeviceID)
	assert.True(t, strings.HasPrefix(rs[0].Operator, "test-operator-"), "the release runs in the signed-in operator's name")
	_, body = op.get("/?release=running")
	assert.Contains(t, body, ">SAFE1<")

	status, loc = op.post("/releases/cancel", url.Values{"id": {"safe-1"}}, true)
	require.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/releases", loc)
	rs, err = c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rs)

	status, _ = op.get("/releases/certificates.zip?batch=" + url.QueryEscape(time.Now().UTC().Format(time.RFC3339Nano)))
	assert.Equal(t, http.StatusOK, status)
}

func TestReleaseManyNeedsTypedCount(t *testing.T) {
	c := controllertest.Start(t)
	var ps []phone
	ids := url.Values{}
	for i := range 12 {
		id := fmt.Sprintf("m%02d", i)
		ps = append(ps, phone{id: id, serial: id, online: true})
		ids.Add("id", id)
	}
	seed(t, c, ps...)
	op := as(t, c, controller.RoleOperator)
	status, body := op.post("/release/confirm", url.Values{"all": {"1"}, "verdict": {"safe"}}, true)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Release 12 phones?")
	assert.Contains(t, body, `name="count"`)
	for _, wrong := range []string{"", "11"} {
		form := cloneForm(ids)
		form.Set("count", wrong)
		status, body = op.post("/release", form, true)
		assert.Equal(t, http.StatusUnprocessableEntity, status)
		assert.Contains(t, body, "Type 12")
	}
	rs, err := c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rs, "nothing starts without the count")
	form := cloneForm(ids)
	form.Set("count", "12")
	status, _ = op.post("/release", form, true)
	require.Equal(t, http.StatusSeeOther, status)
	rs, err = c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	assert.Len(t, rs, 12)
}

// TestEvents: a release started elsewhere (the API, the CLI) reaches an
// open event stream as a change of its phone.
func TestEvents(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, phone{id: "safe-1", serial: "S", online: true})
	b := as(t, c, controller.RoleViewer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.APIURL()+"/events", nil)
	require.NoError(t, err)
	resp, err := b.hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	require.Equal(t, "retry: 2000", <-lines, "the stream is open")
	_, err = c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"safe-1"}, Operator: "tester"})
	require.NoError(t, err)
	var got []string
	require.Eventually(t, func() bool {
		for {
			select {
			case l := <-lines:
				got = append(got, l)
			default:
				return strings.Contains(strings.Join(got, "\n"), "event: change\ndata: \"safe-1\"")
			}
		}
	}, 30*time.Second, 20*time.Millisecond)
	cancel()
}

func TestAssetsEmbedded(t *testing.T) {
	c := controllertest.Start(t)
	for _, p := range []string{"/assets/console.css", "/assets/console.js"} {
		resp, err := http.Get(c.APIURL() + p)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, p)
	}
	resp, err := http.Get(c.APIURL() + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the API keeps its paths")
}

// TestCountsAgree: the counts fragment (from the summary) says what the
// fleet page (from every phone) says.
func TestCountsAgree(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, append(fleetPhones(),
		phone{id: "off-2", serial: "OFF2", online: false, kinds: []protocol.RiskKind{protocol.RiskGoogleFRP}},
		phone{id: "off-3", serial: "OFF3", online: false, noState: true},
		phone{id: "off-4", serial: "OFF4", online: false, unknown: true})...)
	b := as(t, c, controller.RoleViewer)
	_, page := b.get("/")
	_, frag := b.get("/fragments/counts")
	start := strings.Index(page, `<ul class="counts"`)
	require.GreaterOrEqual(t, start, 0)
	end := strings.Index(page[start:], "</ul>")
	assert.Equal(t, strings.TrimSpace(page[start:start+end+5]), strings.TrimSpace(frag))
	assert.Contains(t, frag, `<span class="n">4</span> offline`)
}

func TestOneTimeLink(t *testing.T) {
	c := controllertest.Start(t)
	tok := controllertest.Token(t, c, controller.RoleOperator)
	ask := func(token string) (int, console.LinkBody) {
		req, err := http.NewRequest(http.MethodPost, c.APIURL()+console.LinksPath, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body console.LinkBody
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
