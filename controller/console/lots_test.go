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

// TestLotPages: a viewer sees lots and a lot's phones but no scan form; an
// operator scans phones in by serial; an unknown code and a closed lot are
// refused on the page; the lot's labels download as a PDF.
func TestLotPages(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t)
	now := time.Now()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{
		controllertest.StateUpdate("SER-1", now), controllertest.StateUpdate("SER-2", now),
	}))
	_, err := c.AddLot(ctx, "L-1", "Acme", "PO-7", "operator:ana", "")
	require.NoError(t, err)

	viewer := signIn(t, c.APIURL(), controllertest.Token(t, c, controller.RoleViewer))
	status, body := viewer.get("/lots")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `href="/lots/L-1"`)
	status, body = viewer.get("/lots/L-1")
	require.Equal(t, http.StatusOK, status)
	assert.NotContains(t, body, `id="join-form"`, "a viewer cannot join phones")
	status, _ = viewer.post("/lots/L-1/join", url.Values{"code": {"SER-1"}}, true)
	assert.Equal(t, http.StatusForbidden, status)

	op := signIn(t, c.APIURL(), controllertest.Token(t, c, controller.RoleOperator))
	_, body = op.get("/lots/L-1")
	assert.Contains(t, body, `id="join-form"`)
	status, _ = op.post("/lots/L-1/join", url.Values{"code": {"SER-1"}}, false)
	assert.Equal(t, http.StatusForbidden, status, "no CSRF token, no join")
	status, loc := op.post("/lots/L-1/join", url.Values{"code": {"SER-1"}}, true)
	require.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/lots/L-1?joined=SER-1", loc)
	_, body = op.get(loc)
	assert.Contains(t, body, "Joined SER-1.")
	assert.Contains(t, body, `data-device="SER-1"`)

	status, body = op.post("/lots/L-1/join", url.Values{"code": {"NOPE"}}, true)
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Contains(t, body, "&#34;NOPE&#34; not joined: no phone has this")

	resp, err := op.hc.Get(c.APIURL() + "/lots/L-1/labels.pdf?stock=62mm")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	status, _ = op.get("/lots/L-1/labels.pdf?stock=a4")
	assert.Equal(t, http.StatusBadRequest, status)

	_, err = c.CloseLot(ctx, "L-1", "operator:ana", "")
	require.NoError(t, err)
	_, body = op.get("/lots/L-1")
	assert.NotContains(t, body, `id="join-form"`, "a closed lot offers no scan form")
	status, body = op.post("/lots/L-1/join", url.Values{"code": {"SER-2"}}, true)
	assert.Equal(t, http.StatusConflict, status)
	assert.True(t, strings.Contains(body, "closed"), body)
	status, _ = op.get("/lots/L-9")
	assert.Equal(t, http.StatusNotFound, status)
}
