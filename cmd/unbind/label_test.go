package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/label/labeltest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

func TestLabelFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr bool
	}{
		{[]string{"P1"}, false},
		{[]string{"--lot", "L-1", "--stock", "4x6", "--format", "zpl", "--out", "-"}, false},
		{nil, true},
		{[]string{"P1", "--lot", "L-1"}, true},
		{[]string{"P1", "--stock", "a4"}, true},
		{[]string{"P1", "--format", "png"}, true},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			noLocalController(t)
			io, _, _ := testStreams()
			called := false
			err := executeQuiet(newLabelCmd(io, func(context.Context, streams, *labelOptions) error { called = true; return nil }), tc.args...)
			if tc.wantErr {
				assert.Error(t, err)
				assert.False(t, called)
				return
			}
			require.NoError(t, err)
			assert.True(t, called)
		})
	}
}

// TestLabelsAgainstController: a released phone's label in a lot holds its
// fields and a QR code of its certificate; a lot's labels are one file with
// a page per phone.
func TestLabelsAgainstController(t *testing.T) {
	labeltest.Need(t)
	c := startAuthed(t)
	ctx := context.Background()
	// The label is dated by the release; a run that spans midnight may date
	// it either day.
	days := []string{time.Now().UTC().Format(time.DateOnly)}
	released(t, c.Registry(), "P1")
	rec, _, err := c.IssueCertificate(ctx, "P1", "", "")
	require.NoError(t, err)
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{{DeviceID: "P2", ReceivedAt: time.Now().UTC(), State: state("P2", protocol.RiskGoogleFRP)}}))
	_, err = c.AddLot(ctx, "L-1", "Acme", "PO-7", "operator:test", "")
	require.NoError(t, err)
	_, err = c.JoinLot(ctx, "L-1", []string{"P1", "P2"}, "operator:test", "")
	require.NoError(t, err)
	dir := t.TempDir()
	now := func() time.Time { return time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC) }

	out := filepath.Join(dir, "p1.pdf")
	io, _, errb := testStreams()
	require.NoError(t, labelRun(ctx, io, &labelOptions{API: c.APIURL(), DeviceID: "P1", Stock: "62mm", Format: "pdf", Out: out, Now: now}))
	assert.Contains(t, errb.String(), "wrote 1 labels to "+out)
	pdf, err := os.ReadFile(out)
	require.NoError(t, err)
	text := labeltest.Text(t, pdf)
	for _, want := range []string{"Xiaomi Redmi Note 12", "S/N P1", "Outcome RELEASED", "Lot L-1"} {
		assert.Contains(t, text, want)
	}
	days = append(days, time.Now().UTC().Format(time.DateOnly))
	assert.Regexp(t, `Date (`+regexp.QuoteMeta(days[0])+`|`+regexp.QuoteMeta(days[1])+`)`, text)
	// A long certificate ID may go on the line below its word.
	assert.Regexp(t, `Cert\s+`+regexp.QuoteMeta(rec.ID), text)
	assert.Equal(t, []string{rec.ID}, labeltest.QRCodes(t, pdf, 1))

	out = filepath.Join(dir, "lot.pdf")
	io, _, _ = testStreams()
	require.NoError(t, labelRun(ctx, io, &labelOptions{API: c.APIURL(), Lot: "L-1", Stock: "4x6", Format: "pdf", Out: out, Now: now}))
	pdf, err = os.ReadFile(out)
	require.NoError(t, err)
	pages := strings.Split(labeltest.Text(t, pdf), "\f")
	require.GreaterOrEqual(t, len(pages), 2)
	assert.Contains(t, pages[1], "Outcome AT_RISK")
	assert.Contains(t, pages[1], "Date 2026-12-06")
	assert.Equal(t, []string{"P2", rec.ID}, labeltest.QRCodes(t, pdf, 2))

	io, stdout, _ := testStreams()
	require.NoError(t, labelRun(ctx, io, &labelOptions{API: c.APIURL(), Lot: "L-1", Stock: "62mm", Format: "zpl", Out: "-", Now: now}))
	assert.Equal(t, 2, strings.Count(stdout.String(), "^XA"))
	assert.Contains(t, stdout.String(), "^FDMA,"+rec.ID+"^FS")

	io, _, _ = testStreams()
	assert.Error(t, labelRun(ctx, io, &labelOptions{API: c.APIURL(), DeviceID: "nope", Stock: "62mm", Format: "pdf", Out: filepath.Join(dir, "x.pdf"), Now: now}))
	assert.NoFileExists(t, filepath.Join(dir, "x.pdf"))
}
