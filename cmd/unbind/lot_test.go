package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

func TestLotFlags(t *testing.T) {
	const def = "http://127.0.0.1:8080"
	runFlagCases(t, []flagCase[lotOptions]{
		{"add", newLotAddCmd, []string{"L-1", "--customer", "Acme", "--ref", "PO-7", "--note", "n"},
			lotOptions{API: def, Output: "table", ID: "L-1", Customer: "Acme", Reference: "PO-7", Note: "n"}, false},
		{"add without customer", newLotAddCmd, []string{"L-1"}, lotOptions{}, true},
		{"add without id", newLotAddCmd, []string{"--customer", "Acme"}, lotOptions{}, true},
		{"list json", newLotListCmd, []string{"-o", "json"}, lotOptions{API: def, Output: "json"}, false},
		{"list bad output", newLotListCmd, []string{"-o", "yaml"}, lotOptions{}, true},
		{"show", newLotShowCmd, []string{"L-1"}, lotOptions{API: def, Output: "table", ID: "L-1"}, false},
		{"close", newLotCloseCmd, []string{"L-1", "--note", "done"}, lotOptions{API: def, Output: "table", ID: "L-1", Note: "done"}, false},
		{"join", newLotJoinCmd, []string{"L-1", "A", "B"}, lotOptions{API: def, Output: "table", ID: "L-1", Codes: []string{"A", "B"}}, false},
		{"join needs a code", newLotJoinCmd, []string{"L-1"}, lotOptions{}, true},
	})
}

// TestLotCommandsAgainstController: a lot's lifecycle through the CLI:
// add, join by serial, list, show, close; a closed lot refuses a join.
func TestLotCommandsAgainstController(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()
	now := time.Now()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{
		controllertest.StateUpdate("SER-1", now), controllertest.StateUpdate("SER-2", now),
	}))
	opts := func(o lotOptions) *lotOptions { o.API = c.APIURL(); return &o }

	io, out, _ := testStreams()
	require.NoError(t, lotAddRun(ctx, io, opts(lotOptions{Output: "table", ID: "L-1", Customer: "Acme", Reference: "PO-7"})))
	assert.Equal(t, "opened lot L-1 for Acme\n", out.String())

	io, out, errb := testStreams()
	require.NoError(t, lotJoinRun(ctx, io, opts(lotOptions{Output: "table", ID: "L-1", Codes: []string{"SER-1"}})))
	assert.Equal(t, "SER-1\tSER-1\n", out.String())
	assert.Contains(t, errb.String(), "1 codes joined lot L-1")

	io, out, _ = testStreams()
	require.NoError(t, lotListRun(ctx, io, opts(lotOptions{Output: "table"})))
	assert.Regexp(t, `L-1 +Acme +PO-7 +open +1 `, out.String())

	io, out, _ = testStreams()
	require.NoError(t, lotCloseRun(ctx, io, opts(lotOptions{Output: "json", ID: "L-1"})))
	var closed api.Lot
	require.NoError(t, json.Unmarshal(out.Bytes(), &closed))
	assert.Equal(t, api.LotClosed, closed.State)

	io, _, _ = testStreams()
	err := lotJoinRun(ctx, io, opts(lotOptions{Output: "table", ID: "L-1", Codes: []string{"SER-2"}}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "closed")

	io, out, _ = testStreams()
	require.NoError(t, lotShowRun(ctx, io, opts(lotOptions{Output: "json", ID: "L-1"})))
	var d api.LotDetail
	require.NoError(t, json.Unmarshal(out.Bytes(), &d))
	require.Len(t, d.Devices, 1)
	assert.Equal(t, "SER-1", d.Devices[0].DeviceID)

	io, out, _ = testStreams()
	require.NoError(t, lotShowRun(ctx, io, opts(lotOptions{Output: "table", ID: "L-1"})))
	assert.Contains(t, out.String(), "lot L-1: Acme, reference PO-7, closed, 1 phones")
}
