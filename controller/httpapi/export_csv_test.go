package httpapi

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/protocol"
)

func TestNeutraliseCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"R58M12ABC", "R58M12ABC"},
		{"Xiaomi", "Xiaomi"},
		{"=1+1", "'=1+1"},
		{`=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`},
		{"+33 1", "'+33 1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=cmd", "'\t=cmd"},
		{"\r=cmd", "'\r=cmd"},
		{"a=b", "a=b"},
		{" =1", "' =1"},
		{"\n=1+1", "'\n=1+1"},
		{"\u00a0=1", "'\u00a0=1"},
		{"\u3000=1", "'\u3000=1"},
		{"＝1+1", "'＝1+1"},
		{"＋1", "'＋1"},
		{"－1", "'－1"},
		{"＠SUM(A1)", "'＠SUM(A1)"},
		{"\x00=1", "'\x00=1"},
		{"\xff=1", "'\xff=1"},
		{"Redmi Note 12", "Redmi Note 12"},
		{"小米", "小米"},
		{"'already", "'already"},
	} {
		assert.Equal(t, tc.want, neutraliseCell(tc.in), "%q", tc.in)
	}
}

// exportRoundTrip writes one row holding serial and model and reads the CSV
// back with encoding/csv.
func exportRoundTrip(t *testing.T, serial, model string) []string {
	t.Helper()
	var buf bytes.Buffer
	row := api.ExportRow{DeviceID: "p1", Serial: serial, Model: model, Verdict: protocol.VerdictSafe,
		RiskKinds: []protocol.RiskKind{protocol.RiskGoogleFRP, protocol.RiskFindDevice}, LastSeen: time.Unix(0, 0)}
	require.NoError(t, writeExportCSV(&buf, []api.ExportRow{row}))
	records, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err, "the export must parse as CSV: %q", buf.String())
	require.Len(t, records, 2)
	require.Equal(t, api.ExportColumns, records[0])
	require.Len(t, records[1], len(api.ExportColumns))
	return records[1]
}

func TestExportCSVInjection(t *testing.T) {
	cells := exportRoundTrip(t, "=cmd|' /C calc'!A0", "-1+1")
	assert.Equal(t, "'=cmd|' /C calc'!A0", cells[1])
	assert.Equal(t, "'-1+1", cells[4])
	assert.Equal(t, "google_frp;find_device", cells[6])
}

// FuzzExportCSV: whatever a phone reports as its serial or model, the export
// parses back as CSV with the same columns, every cell is the value
// neutralised, and no cell starts a formula.
func FuzzExportCSV(f *testing.F) {
	for _, seed := range [][2]string{{"R58M12ABC", "Redmi Note 12"}, {"=1+1", "@x"}, {"a,b", "\"q\""}, {"\r\n", "x\ny"}, {"\t-", "+"}, {"\n=1", " =1"}, {"＝1", "\u3000@"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, serial, model string) {
		cells := exportRoundTrip(t, serial, model)
		for i, in := range map[int]string{1: serial, 4: model} {
			// encoding/csv reads \r\n inside a quoted cell back as \n.
			want := strings.ReplaceAll(neutraliseCell(in), "\r\n", "\n")
			assert.Equal(t, want, cells[i])
		}
		for _, c := range cells {
			r, _ := utf8.DecodeRuneInString(c)
			if c != "" {
				assert.False(t, strings.ContainsRune("=+-@＝＋－＠", r) || unicode.IsSpace(r) || unicode.IsControl(r),
					"cell %q starts a formula", c)
			}
		}
	})
}
