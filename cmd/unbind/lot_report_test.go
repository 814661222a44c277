package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/label/labeltest"
	"github.com/unbind/unbind/controller/lotreport"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// TestLotReportAndVerify: a lot's pack is written, its report holds the
// lot, the counts, each phone and who did what; the pack verifies offline;
// one byte changed in a certificate or in the manifest fails verification.
func TestLotReportAndVerify(t *testing.T) {
	labeltest.Need(t)
	c := startAuthed(t)
	ctx := context.Background()
	released(t, c.Registry(), "P1")
	rec, _, err := c.IssueCertificate(ctx, "P1", "ana", "")
	require.NoError(t, err)
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{{DeviceID: "P2", ReceivedAt: time.Now().UTC(), State: state("P2", protocol.RiskGoogleFRP)}}))
	_, err = c.AddLot(ctx, "L-1", "Acme Refurb", "PO-4711", "operator:ana", "")
	require.NoError(t, err)
	_, err = c.JoinLot(ctx, "L-1", []string{"P1", "P2"}, "operator:bo", "")
	require.NoError(t, err)
	_, err = c.CloseLot(ctx, "L-1", "operator:ana", "shipped")
	require.NoError(t, err)

	dir := filepath.Join(t.TempDir(), "pack")
	io, out, _ := testStreams()
	require.NoError(t, lotReportRun(ctx, io, &lotOptions{API: c.APIURL(), Output: "table", ID: "L-1", Dir: dir}))
	assert.Equal(t, dir+"\n", out.String())
	pdf, err := os.ReadFile(filepath.Join(dir, lotreport.ReportFile))
	require.NoError(t, err)
	text := labeltest.Text(t, pdf)
	for _, want := range []string{"Lot L-1: release of account locks", "Acme Refurb", "PO-4711", "2 phones, 1 certificates",
		"released", "not released", "google_frp", rec.ID, "wipe_started", "lot.created", "lot.joined", "lot.closed",
		"certificate.issued", "operator:bo", "not a data sanitisation record"} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, strings.ToLower(text), "erase", "the report never claims erasure")
	certFile := filepath.Join(dir, filepath.FromSlash(cert.CertificatePath(rec.ID)))
	assert.FileExists(t, certFile)

	pubPath := filepath.Join(t.TempDir(), "controller.pub")
	io, out, _ = testStreams()
	require.NoError(t, keyRun(ctx, io, &keyOptions{API: c.APIURL()}))
	require.NoError(t, os.WriteFile(pubPath, out.Bytes(), 0o644))

	verify := func() (string, error) {
		io, out, _ := testStreams()
		err := certVerifyLotRun(ctx, io, &certVerifyOptions{Lot: dir, Key: pubPath})
		return out.String(), err
	}
	got, err := verify()
	require.NoError(t, err, got)
	assert.Contains(t, got, "VALID "+dir+": lot L-1 (Acme Refurb), 2 phones, 1 certificates")

	for _, name := range []string{certFile, filepath.Join(dir, cert.ManifestFile)} {
		orig, err := os.ReadFile(name)
		require.NoError(t, err)
		changed := append([]byte(nil), orig...)
		i := strings.Index(string(changed), `"L-1"`)
		if i < 0 {
			i = strings.Index(string(changed), `"P1"`)
		}
		require.Positive(t, i)
		changed[i+2] ^= 0x01
		require.NoError(t, os.WriteFile(name, changed, 0o644))
		got, err := verify()
		assert.Error(t, err, "one byte changed in %s", name)
		assert.Contains(t, got, "INVALID")
		require.NoError(t, os.WriteFile(name, orig, 0o644))
	}
	got, err = verify()
	require.NoError(t, err, got)

	// A pack is written only into a new or empty directory.
	io, _, _ = testStreams()
	assert.Error(t, lotReportRun(ctx, io, &lotOptions{API: c.APIURL(), Output: "table", ID: "L-1", Dir: dir}))
}

// TestLotReportNonWesternNames: a customer and a phone's model in Chinese,
// Japanese, Korean and Cyrillic print as themselves in the report, not as
// '?'; a character no installed font shows refuses the report.
func TestLotReportNonWesternNames(t *testing.T) {
	labeltest.Need(t)
	c := startAuthed(t)
	ctx := context.Background()
	st := state("P1")
	st.Device.Manufacturer, st.Device.Model = "小米", "13 Ultra 红米 삼성"
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{{DeviceID: "P1", ReceivedAt: time.Now().UTC(), State: st}}))
	_, err := c.AddLot(ctx, "L-1", "株式会社リファービッシュ Дмитрий", "", "operator:ana", "")
	require.NoError(t, err)
	_, err = c.JoinLot(ctx, "L-1", []string{"P1"}, "operator:bo", "")
	require.NoError(t, err)

	dir := filepath.Join(t.TempDir(), "pack")
	io, _, _ := testStreams()
	require.NoError(t, lotReportRun(ctx, io, &lotOptions{API: c.APIURL(), Output: "table", ID: "L-1", Dir: dir}))
	pdf, err := os.ReadFile(filepath.Join(dir, lotreport.ReportFile))
	require.NoError(t, err)
	text := labeltest.Text(t, pdf)
	assert.Contains(t, text, "株式会社リファービッシュ Дмитрий")
	assert.Contains(t, text, "小米 13 Ultra 红米 삼성")

	_, err = c.AddLot(ctx, "L-2", "Emoji 📦 Ltd", "", "operator:ana", "")
	require.NoError(t, err)
	io, _, _ = testStreams()
	err = lotReportRun(ctx, io, &lotOptions{API: c.APIURL(), Output: "table", ID: "L-2", Dir: filepath.Join(t.TempDir(), "pack2")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "U+1F4E6")
}
