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
	"github.com/unbind/unbind/protocol"
)

func TestStationFlags(t *testing.T) {
	const def = "http://127.0.0.1:8080"
	runFlagCases(t, []flagCase[stationOptions]{
		{"list", newStationListCmd, []string{"-o", "json"}, stationOptions{API: def, Output: "json"}, false},
		{"show", newStationShowCmd, []string{"bench-3"}, stationOptions{API: def, Output: "table", Name: "bench-3"}, false},
		{"show needs a name", newStationShowCmd, nil, stationOptions{}, true},
		{"lot", newStationLotCmd, []string{"bench-3", "L-1", "--note", "n"}, stationOptions{API: def, Output: "table", Name: "bench-3", Lot: "L-1", Note: "n"}, false},
		{"lot clear", newStationLotCmd, []string{"bench-3", "--clear"}, stationOptions{API: def, Output: "table", Name: "bench-3", Lot: "bench-3", Clear: true}, false},
		{"lot needs a lot or --clear", newStationLotCmd, []string{"bench-3"}, stationOptions{}, true},
		{"lot with both", newStationLotCmd, []string{"bench-3", "L-1", "--clear"}, stationOptions{}, true},
	})
}

// TestStationCommandsAgainstController: stations as the CLI shows them,
// and an operator setting a station's lot over its agents' --lot.
func TestStationCommandsAgainstController(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()
	now := time.Now()
	_, err := c.AddLot(ctx, "L-1", "Acme", "", "operator:ann", "")
	require.NoError(t, err)
	_, err = c.AddLot(ctx, "L-2", "Beta", "", "operator:ann", "")
	require.NoError(t, err)
	at := func(id, station, lot string) registry.Update {
		u := controllertest.StateUpdate(id, now)
		u.State.Station = &protocol.Station{Name: station, Lot: lot}
		return u
	}
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{at("SER-1", "bench-a", "L-1"), at("SER-2", "bench-b", "")}))
	opts := func(o stationOptions) *stationOptions { o.API = c.APIURL(); return &o }

	io, out, _ := testStreams()
	require.NoError(t, stationListRun(ctx, io, opts(stationOptions{Output: "table"})))
	assert.Regexp(t, `bench-a +L-1 +agent --lot +1 `, out.String())
	assert.Regexp(t, `bench-b +- +- +1 `, out.String())

	io, out, _ = testStreams()
	require.NoError(t, stationLotRun(ctx, io, opts(stationOptions{Output: "table", Name: "bench-b", Lot: "L-2"})))
	assert.Regexp(t, `^station bench-b: lot L-2 \(operator:[a-z0-9-]+\)\n$`, out.String())
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{at("SER-3", "bench-b", "")}))

	io, out, _ = testStreams()
	require.NoError(t, stationShowRun(ctx, io, opts(stationOptions{Output: "json", Name: "bench-b"})))
	var d api.StationDetail
	require.NoError(t, json.Unmarshal(out.Bytes(), &d))
	assert.Equal(t, "L-2", d.Lot)
	require.Len(t, d.Devices, 2)
	assert.Equal(t, "bench-b", d.Devices[0].Station)
	lot, err := c.Registry().DeviceLot(ctx, "SER-3")
	require.NoError(t, err)
	assert.Equal(t, "L-2", lot, "a phone first seen at bench-b joins the lot the operator chose")

	io, _, _ = testStreams()
	err = stationLotRun(ctx, io, opts(stationOptions{Output: "table", Name: "bench-z", Lot: "L-2"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not found")
}
