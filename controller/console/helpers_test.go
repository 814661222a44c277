package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that tests see them.
type browser struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string
}

func newBrowser(t testing.TB, base string) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// get fetches path and returns the status and body; it remembers the page's
// CSRF token.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.hc.Get(b.base + path)
	require.NoError(b.t, err)
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) (int, string) {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	if m := csrfRE.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		return resp.StatusCode, loc
	}
	return resp.StatusCode, string(body)
}

// post sends a form; withCSRF adds the token of the last page read.
func (b *browser) post(path string, form url.Values, withCSRF bool) (int, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if withCSRF {
		form.Set("csrf", b.csrf)
	}
	resp, err := b.hc.PostForm(b.base+path, form)
	require.NoError(b.t, err)
	return b.read(resp)
}

// signIn signs a new browser in with token.
func signIn(t testing.TB, base, token string) *browser {
	t.Helper()
	b := newBrowser(t, base)
	status, _ := b.get("/login")
	require.Equal(t, http.StatusOK, status)
	status, loc := b.post("/login", url.Values{"token": {token}, "next": {"/"}}, true)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/", loc)
	status, _ = b.get("/") // picks up the session's CSRF token
	require.Equal(t, http.StatusOK, status)
	return b
}

func as(t testing.TB, c *controllertest.Controller, role controller.Role) *browser {
	return signIn(t, c.APIURL(), controllertest.Token(t, c, role))
}

// phone is a device to seed the registry with.
type phone struct {
	id, serial, maker, model string
	online                   bool
	// kinds are its risks; nil with safe true is safe; noState leaves it
	// without a report.
	kinds   []protocol.RiskKind
	unknown bool
	noState bool
}

func seed(t testing.TB, c *controllertest.Controller, phones ...phone) {
	t.Helper()
	now := time.Now().UTC().Add(-time.Second)
	var ups []registry.Update
	for _, p := range phones {
		status := protocol.Offline
		if p.online {
			status = protocol.Online
		}
		ups = append(ups, registry.Update{DeviceID: p.id, ReceivedAt: now,
			Presence: &protocol.Presence{V: protocol.Version, DeviceID: p.id, Status: status, At: now, AgentVersion: "test"}})
		if p.noState {
			continue
		}
		kinds := p.kinds
		if p.unknown {
			kinds = []protocol.RiskKind{protocol.RiskUnknown}
		}
		u := controllertest.StateUpdate(p.id, now, kinds...)
		u.State.Report.Device = protocol.Identity{Serial: p.serial, Manufacturer: p.maker, Model: p.model}
		if p.unknown {
			u.State.Report.FindDevice = protocol.TriUnknown
		}
		ups = append(ups, u)
	}
	require.NoError(t, c.Registry().Apply(context.Background(), ups))
}

func count(s, sub string) int { return strings.Count(s, sub) }
