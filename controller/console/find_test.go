package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// TestFindByScannedCode: a serial, an IMEI or a device ID opens that phone;
// an unknown code says so; a code two phones share lists them; nothing
// is answered before sign-in.
func TestFindByScannedCode(t *testing.T) {
	c := controllertest.Start(t)
	now := time.Now()
	upd := func(id, serial, imei string) registry.Update {
		u := controllertest.StateUpdate(id, now)
		u.State.Report.Device.Serial, u.State.Report.Device.IMEI = serial, imei
		return u
	}
	require.NoError(t, c.Registry().Apply(context.Background(), []registry.Update{
		upd("dev-a", "R58N12ABCDE", "861234567890123"), upd("dev-b", "TWIN", ""), upd("dev-c", "TWIN", ""),
	}))
	anon := newBrowser(t, c.APIURL())
	status, loc := anon.get("/find?code=R58N12ABCDE")
	assert.Equal(t, http.StatusSeeOther, status)
	assert.True(t, strings.HasPrefix(loc, "/login"), loc)

	b := signIn(t, c.APIURL(), controllertest.Token(t, c, controller.RoleViewer))
	tests := []struct {
		code   string
		status int
		want   string
	}{
		{"R58N12ABCDE", http.StatusSeeOther, "/phones/dev-a"},
		{"861234567890123", http.StatusSeeOther, "/phones/dev-a"},
		{" dev-a ", http.StatusSeeOther, "/phones/dev-a"},
		{"NO-SUCH", http.StatusNotFound, "No phone has the code &#34;NO-SUCH&#34;"},
		{"TWIN", http.StatusConflict, "2 phones have the code &#34;TWIN&#34;: dev-b, dev-c"},
		{"", http.StatusBadRequest, "Scan or type"},
		{strings.Repeat("9", 129), http.StatusBadRequest, "at most 128"},
		{`<script>x</script>`, http.StatusNotFound, "&lt;script&gt;"},
	}
	for _, tc := range tests {
		status, body := b.get("/find?code=" + url.QueryEscape(tc.code))
		assert.Equal(t, tc.status, status, tc.code)
		assert.Contains(t, body, tc.want, tc.code)
	}
	_, page := b.get("/")
	assert.Contains(t, page, `action="/find"`)
	assert.Contains(t, page, `src="/assets/scan.js"`)
}
