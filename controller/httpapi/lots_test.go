package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

func statusOf(t *testing.T, err error) int {
	t.Helper()
	var e *api.Error
	require.True(t, errors.As(err, &e), "want an API error, got %v", err)
	return e.StatusCode
}

// TestLotLifecycleOverAPI: an operator opens a lot, joins phones by serial,
// and closes it; a viewer reads but cannot write; bad input and a closed
// lot are refused with their status and change nothing.
func TestLotLifecycleOverAPI(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t)
	now := time.Now()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{
		controllertest.StateUpdate("SER-1", now), controllertest.StateUpdate("SER-2", now), controllertest.StateUpdate("SER-3", now),
	}))
	op := api.NewClient(c.APIURL(), nil).WithToken(controllertest.Token(t, c, controller.RoleOperator))
	viewer := api.NewClient(c.APIURL(), nil).WithToken(controllertest.Token(t, c, controller.RoleViewer))

	_, err := viewer.AddLot(ctx, api.LotRequest{ID: "L-1", Customer: "Acme"})
	assert.Equal(t, http.StatusForbidden, statusOf(t, err), "a viewer cannot open a lot")

	for name, req := range map[string]api.LotRequest{
		"slash in id":   {ID: "../x", Customer: "Acme"},
		"empty id":      {ID: "", Customer: "Acme"},
		"long id":       {ID: strings.Repeat("x", 41), Customer: "Acme"},
		"no customer":   {ID: "L-1"},
		"control chars": {ID: "L-1", Customer: "Ac\x1bme"},
	} {
		_, err := op.AddLot(ctx, req)
		assert.Equal(t, http.StatusBadRequest, statusOf(t, err), name)
	}
	lot, err := op.AddLot(ctx, api.LotRequest{ID: "L-1", Customer: "Acme", Reference: "PO 4711"})
	require.NoError(t, err)
	assert.Equal(t, api.LotOpen, lot.State)
	_, err = op.AddLot(ctx, api.LotRequest{ID: "L-1", Customer: "Other"})
	assert.Equal(t, http.StatusConflict, statusOf(t, err))

	_, err = viewer.JoinLot(ctx, "L-1", api.LotJoinRequest{Codes: []string{"SER-1"}})
	assert.Equal(t, http.StatusForbidden, statusOf(t, err))
	_, err = op.JoinLot(ctx, "L-1", api.LotJoinRequest{Codes: []string{"SER-1", "UNKNOWN"}})
	assert.Equal(t, http.StatusUnprocessableEntity, statusOf(t, err))
	assert.Contains(t, err.Error(), "UNKNOWN")
	_, err = op.JoinLot(ctx, "L-9", api.LotJoinRequest{Codes: []string{"SER-1"}})
	assert.Equal(t, http.StatusNotFound, statusOf(t, err))
	_, err = op.JoinLot(ctx, "L-1", api.LotJoinRequest{Codes: []string{}})
	assert.Equal(t, http.StatusBadRequest, statusOf(t, err))

	joined, err := op.JoinLot(ctx, "L-1", api.LotJoinRequest{Codes: []string{"SER-1", "SER-2"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"SER-1", "SER-2"}, joined.DeviceIDs)

	closed, err := op.CloseLot(ctx, "L-1", "shipped")
	require.NoError(t, err)
	assert.Equal(t, api.LotClosed, closed.State)
	_, err = op.JoinLot(ctx, "L-1", api.LotJoinRequest{Codes: []string{"SER-3"}})
	assert.Equal(t, http.StatusConflict, statusOf(t, err), "a closed lot refuses new phones")
	_, err = op.CloseLot(ctx, "L-1", "")
	assert.Equal(t, http.StatusConflict, statusOf(t, err))

	detail, err := viewer.Lot(ctx, "L-1")
	require.NoError(t, err)
	assert.Equal(t, 2, detail.Lot.Devices)
	require.Len(t, detail.Devices, 2)
	assert.Equal(t, "SER-1", detail.Devices[0].Serial)
	assert.True(t, strings.HasPrefix(detail.Devices[0].JoinedBy, "operator:test-operator-"))
	lots, err := viewer.Lots(ctx)
	require.NoError(t, err)
	require.Len(t, lots, 1)
	_, err = viewer.Lot(ctx, "L-9")
	assert.Equal(t, http.StatusNotFound, statusOf(t, err))
}

// TestExportCarriesLot: the export names each phone's lot, in JSON and as
// the CSV's last column.
func TestExportCarriesLot(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t)
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{
		controllertest.StateUpdate("SER-1", time.Now()), controllertest.StateUpdate("SER-2", time.Now()),
	}))
	_, err := c.AddLot(ctx, "L-1", "Acme", "", "operator:ana", "")
	require.NoError(t, err)
	_, err = c.JoinLot(ctx, "L-1", []string{"SER-1"}, "operator:ana", "")
	require.NoError(t, err)
	client := controllertest.Client(t, c)
	var out strings.Builder
	require.NoError(t, client.Export(ctx, api.ExportQuery{Format: api.ExportJSON}, &out))
	assert.Contains(t, out.String(), `"lot": "L-1"`)
	assert.Equal(t, 1, strings.Count(out.String(), `"lot"`), "a phone in no lot has none")
	out.Reset()
	require.NoError(t, client.Export(ctx, api.ExportQuery{}, &out))
	assert.Equal(t, "lot", api.ExportColumns[len(api.ExportColumns)-1])
	assert.Regexp(t, `(?m)^SER-1,.*,L-1\r?$`, out.String())
}
