package console

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

func atRisk(kinds ...protocol.RiskKind) *protocol.Report {
	r := &protocol.Report{}
	for _, k := range kinds {
		r.Risks = append(r.Risks, protocol.Risk{Kind: k})
	}
	return r
}

func TestNextSteps(t *testing.T) {
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
		{"bound", registry.Device{Online: true, State: atRisk(protocol.RiskMiAccount, protocol.RiskFindDevice, protocol.RiskMiAccount), Verdict: protocol.VerdictAtRisk}, nil, "Sign out of the Mi account", 2},
		{"lost mode", registry.Device{Online: true, State: atRisk(protocol.RiskLostMode), Verdict: protocol.VerdictAtRisk}, nil, "locked remotely (lost mode)", 1},
		{"not safe with no risk named", registry.Device{Online: true, State: atRisk(), Verdict: protocol.VerdictAtRisk}, nil, "Not safe: do not reset it", 1},
		{"unknown", registry.Device{Online: true, State: atRisk(protocol.RiskUnknown), Verdict: protocol.VerdictUnknown}, nil, "Keep the phone connected for a fresh check", 1},
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

func TestNextStepsNameServerSideBindings(t *testing.T) {
	tests := []struct {
		maker, want string
	}{
		{"Xiaomi", "i.mi.com"}, {"samsung", "smartthingsfind.samsung.com"}, {"vivo", "vivo cloud"},
	}
	for _, tt := range tests {
		d := registry.Device{Online: true, Identity: protocol.Identity{Manufacturer: tt.maker},
			State: &protocol.Report{SafeToReset: true}, Verdict: protocol.VerdictSafe}
		steps := nextSteps(d, nil)
		require.Len(t, steps, 2, tt.maker)
		assert.Contains(t, steps[1], tt.want, "nothing on the phone proves the %s binding is gone", tt.maker)
	}
	d := registry.Device{Online: true, Identity: protocol.Identity{Manufacturer: "Fairphone"},
		State: &protocol.Report{SafeToReset: true}, Verdict: protocol.VerdictSafe}
	assert.Len(t, nextSteps(d, nil), 1, "a maker without a server-side binding adds no step")
}

func TestNextStepsForLocksOnlyOthersClear(t *testing.T) {
	for _, k := range []protocol.RiskKind{protocol.RiskManagedDevice, protocol.RiskEnterpriseFRP, protocol.RiskKnoxGuard, protocol.RiskFRPActive} {
		steps := nextSteps(registry.Device{Online: true, State: atRisk(k), Verdict: protocol.VerdictAtRisk}, nil)
		require.NotEmpty(t, steps)
		assert.Equal(t, protocol.LockOf(k).Step(), steps[0])
		assert.NotContains(t, steps[0], "Sign out", "%s is not cleared at the phone", k)
	}
}
