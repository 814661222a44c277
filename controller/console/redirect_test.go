package console_test

import (
	"html"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
)

// TestSignInRedirectStaysOnSite: whatever "next" a link to the sign-in page
// carries, signing in goes to a path on this site. Browsers drop tabs and
// newlines from URLs and read "\" as "/", so each of these would otherwise
// land on another host.
func TestSignInRedirectStaysOnSite(t *testing.T) {
	c := controllertest.Start(t)
	tok := controllertest.Token(t, c, controller.RoleViewer)
	for _, tc := range []struct{ next, want string }{
		{"/phones/p1?x=1", "/phones/p1?x=1"},
		{"/releases", "/releases"},
		{"//evil.example/", "/"},
		{"/\t/evil.example/", "/"},
		{"/\n/evil.example/", "/"},
		{"/\r\n/evil.example/", "/"},
		{"/ /evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"/\\/evil.example/", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/\u3000/evil.example/", "/"},
		{"", "/"},
	} {
		t.Run(url.QueryEscape(tc.next), func(t *testing.T) {
			b := newBrowser(t, c.APIURL())
			// The raw query as an attacker's link would carry it.
			status, page := b.get("/login?next=" + url.QueryEscape(tc.next))
			require.Equal(t, http.StatusOK, status)
			assert.Contains(t, page, `name="next" value="`+html.EscapeString(tc.want)+`"`, "the form carries only a local next")

			resp, err := b.hc.PostForm(b.base+"/login", url.Values{"token": {tok}, "csrf": {b.csrf}, "next": {tc.next}})
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, tc.want, resp.Header.Get("Location"))
		})
	}
}
