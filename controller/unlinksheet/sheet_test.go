package unlinksheet

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/label/labeltest"
	"github.com/unbind/unbind/protocol"
)

func TestFor(t *testing.T) {
	tests := []struct {
		name     string
		id       protocol.Identity
		kinds    []protocol.RiskKind
		wantSite string
		want     []string
	}{
		{"Xiaomi with a Google account too", protocol.Identity{Manufacturer: "Xiaomi", Brand: "Redmi", Model: "Note 11"},
			[]protocol.RiskKind{protocol.RiskMiAccount, protocol.RiskGoogleFRP}, "https://i.mi.com/", []string{"i.mi.com", "myaccount.google.com"}},
		{"Samsung", protocol.Identity{Manufacturer: "samsung", Model: "SM-A546B"}, nil, "https://smartthingsfind.samsung.com/", []string{"smartthingsfind"}},
		{"a maker with no known site", protocol.Identity{Manufacturer: "Fairphone", Model: "FP5"}, nil, "", []string{"maker's website"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := &protocol.Report{}
			for _, k := range tt.kinds {
				rep.Risks = append(rep.Risks, protocol.Risk{Kind: k, Account: "ja***@example.com"})
			}
			s := For(tt.id, rep, "abcdef0123456789", "waiting for the previous owner")
			assert.Equal(t, "ABCDEF01", s.Reference)
			assert.Equal(t, tt.wantSite, s.Site)
			joined := ""
			for _, st := range s.Steps {
				joined += st + "\n"
			}
			for _, w := range tt.want {
				assert.Contains(t, joined, w)
			}
			assert.NotContains(t, joined, "ja***", "no account, not even masked")
		})
	}
}

// TestPDF: the sheet is a valid PDF whose text holds the reference, the
// model and the steps, and whose QR code reads back as the maker's site.
func TestPDF(t *testing.T) {
	labeltest.Need(t)
	s := For(protocol.Identity{Manufacturer: "Xiaomi", Brand: "Redmi", Model: "Note 11"},
		&protocol.Report{Risks: []protocol.Risk{{Kind: protocol.RiskMiAccount, Account: "28***58"}}}, "9f3c2a1b77", "waiting")
	var b bytes.Buffer
	require.NoError(t, WritePDF(&b, s))
	text := labeltest.Text(t, b.Bytes())
	for _, want := range []string{Title, "9F3C2A1B", "Redmi Note 11", "i.mi.com", "Disconnect", NoData} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "28***58")
	assert.Equal(t, []string{"https://i.mi.com/"}, labeltest.QRCodes(t, b.Bytes(), 1))
}
