package release

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestResetAllowed(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	safe := &protocol.Report{SafeToReset: true, Risks: []protocol.Risk{}, Catalogue: protocol.CatalogueRevision}
	risky := &protocol.Report{Risks: []protocol.Risk{{Kind: protocol.RiskGoogleFRP}}}
	unknown := &protocol.Report{Risks: []protocol.Risk{{Kind: protocol.RiskUnknown}}}
	lying := &protocol.Report{SafeToReset: true, Risks: []protocol.Risk{{Kind: protocol.RiskMiAccount}}}
	tests := []struct {
		name     string
		rep      *protocol.Report
		reportAt time.Time
		want     string // "" allowed, else part of the error
	}{
		{"fresh safe report", safe, now.Add(-time.Minute), ""},
		{"exactly max age", safe, now.Add(-2 * time.Minute), ""},
		{"no report", nil, now, "no report"},
		{"at risk", risky, now, "latest report is at_risk"},
		{"unknown is never safe", unknown, now, "latest report is unknown"},
		{"safe flag with a risk", lying, now, "latest report is at_risk"},
		{"too old", safe, now.Add(-3 * time.Minute), "latest report is 3m0s old"},
		{"safe by an agent older than the lock catalogue", &protocol.Report{SafeToReset: true, Risks: []protocol.Risk{}},
			now, "lock catalogue revision 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ResetAllowed(tc.rep, tc.reportAt, now, 2*time.Minute)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrNotSafe)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
