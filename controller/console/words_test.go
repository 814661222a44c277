package console

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

func TestNextSteps(t *testing.T) {
	atRisk := func(kinds ...protocol.RiskKind) *protocol.Report {
		r := &protocol.Report{}
		for _, k := range kinds {
			r.Risks = append(r.Risks, protocol.Risk{Kind: k})
		}
		return r
	}
	tests := []struct {
		name  string
		d     registry.Device
		rel   *registry.ReleaseRecord
		first string
		n     int
	}{
		{"no report yet", registry.Device{Online: true}, nil, "Wait for the phone's first check", 1},
		{"safe", registry.Device{Online: true, State: &protocol.Report{SafeToReset: true}, Verdict: protocol.VerdictSafe}, nil, "Safe to reset", 1},
		{"safe but offline", registry.Device{State: &protocol.Report{}, Verdict: protocol.VerdictSafe}, nil, "Connect the phone", 2},
		{"bound", registry.Device{Online: true, State: atRisk(protocol.RiskMiAccount, protocol.RiskFindDevice, protocol.RiskMiAccount), Verdict: protocol.VerdictAtRisk}, nil, "Ask the owner to sign out of the Mi account", 2},
		{"lost mode", registry.Device{Online: true, State: atRisk(protocol.RiskLostMode), Verdict: protocol.VerdictAtRisk}, nil, "The phone is in lost mode", 1},
		{"not safe with no risk named", registry.Device{Online: true, State: atRisk(), Verdict: protocol.VerdictAtRisk}, nil, "Not safe: do not reset it", 1},
		{"unknown", registry.Device{Online: true, State: atRisk(protocol.RiskUnknown), Verdict: protocol.VerdictUnknown}, nil, "A check could not finish", 1},
		{"release running", registry.Device{Online: true}, &registry.ReleaseRecord{Stage: "sign_out"}, "A release is running (waiting for the person)", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := nextSteps(tt.d, tt.rel)
			if assert.Len(t, steps, tt.n) {
				assert.Contains(t, steps[0], tt.first)
			}
		})
	}
}

func TestStatusWords(t *testing.T) {
	for st, want := range map[Status]string{StatusSafe: "safe", StatusAtRisk: "not safe", StatusUnknown: "could not tell", StatusOffline: "offline", "": "could not tell"} {
		assert.Equal(t, want, st.Words())
	}
	assert.Equal(t, StatusUnknown, verdictStatus(""), "no verdict is never safe")
}
