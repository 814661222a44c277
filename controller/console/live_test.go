package console_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// TestLiveHistory: the phone page's history and the releases page's rows
// are fragments the page reads again on its events, and they show rows
// written after the page was read.
func TestLiveHistory(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t)
	seed(t, c, phone{id: "h1", serial: "HIST1", maker: "Xiaomi", model: "13", online: true})
	op := as(t, c, controller.RoleOperator)

	status, body := op.get("/phones/h1")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `data-live="/fragments/phone/h1/history"`)
	status, body = op.get("/releases")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `data-live="/fragments/releases" data-live-on="release"`)
	assert.Contains(t, body, "No release yet.")

	_, before := op.get("/fragments/phone/h1/history")
	assert.NotContains(t, before, "mi_account")
	u := controllertest.StateUpdate("h1", time.Now().UTC(), protocol.RiskMiAccount)
	u.State.Seq = 99
	u.State.Report.Device = protocol.Identity{Serial: "HIST1", Manufacturer: "Xiaomi", Model: "13"}
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{u}))
	status, after := op.get("/fragments/phone/h1/history")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, after, "mi_account", "the new state row")
	assert.NotContains(t, after, "<html", "a fragment, not a page")

	_, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"h1"}, Operator: "tester"})
	require.NoError(t, err)
	status, rows := op.get("/fragments/releases")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, rows, `data-live-on="release"`)
	assert.Contains(t, rows, `href="/phones/h1">HIST1<`, "the new release's row")
	_, hist := op.get("/fragments/phone/h1/history")
	assert.Contains(t, hist, "tester", "the phone's history shows its release")

	viewer := as(t, c, controller.RoleViewer)
	status, _ = viewer.get("/fragments/releases")
	assert.Equal(t, http.StatusOK, status)
	anon := newBrowser(t, c.APIURL())
	status, _ = anon.get("/fragments/phone/h1/history")
	assert.Equal(t, http.StatusUnauthorized, status)
}
