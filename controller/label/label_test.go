package label_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/label"
	"github.com/unbind/unbind/controller/label/labeltest"
	"github.com/unbind/unbind/controller/pdffont"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var day = time.Date(2026, 12, 6, 15, 4, 5, 0, time.UTC)

var labels = []label.Label{
	{DeviceID: "mi-clean", Maker: "Xiaomi", Model: "Redmi Note 12", Serial: "R58N12ABCDE", IMEI: "861234567890123",
		Outcome: "released", Lot: "L-2026-0042", Date: day, CertificateID: "cert-7f3a9c21"},
	{DeviceID: "pixel-bound", Maker: "Google", Model: "Pixel 7", Serial: "29KAY0ABCD", Outcome: "at_risk", Lot: "L-2026-0042", Date: day},
	// Text ZPL would read as commands, and characters outside Windows-1252.
	{DeviceID: "odd", Maker: "Evil^XZ~JA", Model: "型号 5G_x", Serial: "S^1", Outcome: "safe", Date: day, CertificateID: "cert-odd"},
}

func TestZPLGolden(t *testing.T) {
	for _, stock := range []label.Stock{label.Stock62mm, label.Stock4x6} {
		t.Run(stock.Name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, label.WriteZPL(&buf, stock, labels))
			golden := filepath.Join("testdata", "labels-"+stock.Name+".zpl")
			if *update {
				require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), buf.String())
			assert.Equal(t, len(labels), strings.Count(buf.String(), "^XA"))
			assert.NotContains(t, buf.String(), "Evil^XZ", "field data cannot end the label")
			assert.Contains(t, buf.String(), "^FDMA,cert-7f3a9c21^FS")
		})
	}
}

// TestPDFLabels: each label is a page whose text holds every field and
// whose QR code decodes to the certificate ID (the device ID without one).
func TestPDFLabels(t *testing.T) {
	labeltest.Need(t)
	for _, stock := range []label.Stock{label.Stock62mm, label.Stock4x6} {
		t.Run(stock.Name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, label.WritePDF(&buf, stock, labels))
			pages := strings.Split(labeltest.Text(t, buf.Bytes()), "\f")
			require.GreaterOrEqual(t, len(pages), len(labels))
			first := pages[0]
			for _, want := range []string{"Xiaomi Redmi Note 12", "S/N R58N12ABCDE", "IMEI ends 0123", "Outcome RELEASED",
				"Lot L-2026-0042", "Date 2026-12-06", "Cert cert-7f3a9c21"} {
				assert.Contains(t, first, want)
			}
			assert.NotContains(t, first, "861234567890123", "only the last IMEI digits")
			assert.Contains(t, pages[1], "Outcome AT_RISK")
			assert.Contains(t, pages[1], "Device pixel-bound")
			assert.Contains(t, pages[2], "S/N S^1")
			assert.Contains(t, pages[2], "型号 5G_x", "a Chinese model prints as itself, not as '?'")
			assert.Equal(t, []string{"cert-7f3a9c21", "cert-odd", "pixel-bound"}, labeltest.QRCodes(t, buf.Bytes(), len(labels)))
		})
	}
}

func TestRefusals(t *testing.T) {
	var buf bytes.Buffer
	// A character no installed font shows: refused, never printed as '?'.
	err := label.WritePDF(&buf, label.Stock62mm, []label.Label{{DeviceID: "emoji", Maker: "Phone", Model: "📱 X", Date: day}})
	require.ErrorIs(t, err, pdffont.ErrNoGlyph)
	assert.Contains(t, err.Error(), "label of device emoji")
	assert.Contains(t, err.Error(), "U+1F4F1")
	assert.Error(t, label.WritePDF(&buf, label.Stock62mm, nil))
	assert.Error(t, label.WriteZPL(&buf, label.Stock62mm, nil))
	assert.Error(t, label.WritePDF(&buf, label.Stock62mm, []label.Label{{Serial: "x"}}), "a label needs its device")
	assert.Error(t, label.WriteZPL(&buf, label.Stock62mm, []label.Label{{Serial: "x"}}))
	assert.Error(t, label.WritePDF(&buf, label.Stock{Name: "none"}, labels))
}
