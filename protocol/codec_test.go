package protocol

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecode(t *testing.T) {
	for _, tc := range wireCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := decodeBy(tc.decoder, []byte(tc.payload))
			if tc.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			// What decodes must encode back and decode to the same value.
			b, err := Encode(m)
			require.NoError(t, err)
			again, err := decodeBy(tc.decoder, b)
			require.NoError(t, err)
			assert.Equal(t, m, again)
		})
	}
}

func TestDecodeRejectsBeforeParsingWhenTooLarge(t *testing.T) {
	huge := make([]byte, MaxPayload+1)
	for i := range huge {
		huge[i] = '{'
	}
	_, err := DecodeState(huge)
	assert.ErrorIs(t, err, ErrTooLarge)
}

func TestEncodeRefusesInvalid(t *testing.T) {
	_, err := Encode(DeviceState{V: Version, DeviceID: "x1"})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = Encode(Presence{V: 2, DeviceID: "x1", Status: Online})
	assert.ErrorIs(t, err, ErrUnknownVersion)
}

func TestVerdict(t *testing.T) {
	unknown := Risk{Kind: RiskUnknown, Check: "dumpsys account"}
	bound := Risk{Kind: RiskGoogleFRP, Check: "dumpsys account"}
	tests := []struct {
		name string
		r    Report
		want Verdict
	}{
		{"safe", Report{SafeToReset: true}, VerdictSafe},
		{"only unknown", Report{Risks: []Risk{unknown}}, VerdictUnknown},
		{"bound and unknown", Report{Risks: []Risk{unknown, bound}}, VerdictAtRisk},
		{"claims safe with risk", Report{SafeToReset: true, Risks: []Risk{bound}}, VerdictAtRisk},
		{"not safe, no reason", Report{}, VerdictUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.r.Verdict())
		})
	}
}

func TestReportRiskKinds(t *testing.T) {
	tests := []struct {
		name  string
		risks []Risk
		want  []RiskKind
	}{
		{"none", nil, nil},
		{"first appearance order, each once", []Risk{
			{Kind: RiskGoogleFRP, User: intPtrForTest(0)}, {Kind: RiskMiAccount}, {Kind: RiskGoogleFRP, User: intPtrForTest(10)},
		}, []RiskKind{RiskGoogleFRP, RiskMiAccount}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Report{Risks: tc.risks}
			assert.Equal(t, tc.want, r.RiskKinds())
			for _, k := range tc.want {
				assert.True(t, r.HasRisk(k))
			}
			assert.False(t, r.HasRisk(RiskLostMode))
		})
	}
	assert.Equal(t, "google_frp, mi_account", JoinRiskKinds([]RiskKind{RiskGoogleFRP, RiskMiAccount}, ", "))
}

func intPtrForTest(i int) *int { return &i }
