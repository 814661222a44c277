package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

func TestExportFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		want    exportOptions
		wantErr bool
	}{
		{"defaults", nil, exportOptions{API: "http://127.0.0.1:8080", Format: "csv"}, false},
		{"all flags", []string{"--filter", "bound,online", "--since", "7d", "--format", "json", "--output", "x.json"},
			exportOptions{API: "http://127.0.0.1:8080", Filter: "bound,online", Since: "7d", Format: "json", File: "x.json"}, false},
		{"bad format", []string{"--format", "xlsx"}, exportOptions{}, true},
		{"bad since", []string{"--since", "last tuesday"}, exportOptions{}, true},
		{"stray argument", []string{"extra"}, exportOptions{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLocalController(t)
			var got *exportOptions
			io, _, _ := testStreams()
			cmd := newExportCmd(io, func(_ context.Context, o *exportOptions) error {
				got = o
				return nil
			})
			err := executeQuiet(cmd, tc.args...)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			got.Now = nil
			assert.Equal(t, tc.want, *got)
		})
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"2026-03-02T08:00:00Z", time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), false},
		{"2026-03-02", time.Date(2026, 3, 2, 0, 0, 0, 0, time.Local), false},
		{"36h", now.Add(-36 * time.Hour), false},
		{"7d", now.AddDate(0, 0, -7), false},
		{"-5h", time.Time{}, true},
		{"soon", time.Time{}, true},
	} {
		got, err := parseSince(tc.in, now)
		if tc.wantErr {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.True(t, tc.want.Equal(got), "%s: %v, want %v", tc.in, got, tc.want)
	}
}

func TestExportAgainstController(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()
	now := time.Now().UTC()
	bound := controllertest.StateUpdate("p-bound", now, protocol.RiskGoogleFRP)
	bound.State.Report.Device.Model = "@SUM(1)"
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{bound, controllertest.StateUpdate("p-safe", now)}))

	file := filepath.Join(t.TempDir(), "batch.csv")
	io, out, _ := testStreams()
	require.NoError(t, exportRun(ctx, io, &exportOptions{API: c.APIURL(), Format: "csv", File: file, Now: time.Now}))
	assert.Empty(t, out.String(), "the rows went to the file")
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 3)
	assert.Equal(t, []string{"p-bound", "'@SUM(1)", "at_risk", "google_frp"}, []string{records[1][0], records[1][4], records[1][5], records[1][6]})
	assert.Equal(t, "p-safe", records[2][0])
	left, err := filepath.Glob(filepath.Join(filepath.Dir(file), ".batch.csv.*"))
	require.NoError(t, err)
	assert.Empty(t, left, "no temporary file left")

	io, out, _ = testStreams()
	require.NoError(t, exportRun(ctx, io, &exportOptions{API: c.APIURL(), Format: "json", Filter: "bound", Since: "1h", Now: time.Now}))
	var rows []api.ExportRow
	require.NoError(t, json.Unmarshal(out.Bytes(), &rows))
	require.Len(t, rows, 1)
	assert.Equal(t, "@SUM(1)", rows[0].Model)
}
