package phonecheck

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/protocol"
)

// simSource serves simulated phones as adb would list them, plus phones adb
// lists but cannot use.
func simSource(phones []*androidsim.Phone, unusable ...android.ADBDevice) *Source {
	bySerial := map[string]android.Transport{}
	var devs []android.ADBDevice
	for _, p := range phones {
		bySerial[p.Serial()] = p
		devs = append(devs, android.ADBDevice{Serial: p.Serial(), State: "device"})
	}
	return &Source{
		Transport: func(serial string) android.Transport { return bySerial[serial] },
		List: func(context.Context) ([]android.ADBDevice, error) {
			return append(devs, unusable...), nil
		},
	}
}

// TestAllOrdersBySerial: every listed phone has one result, in serial order
// whatever order the checks finished in, at every parallelism; phones adb
// cannot use are not read and say why.
func TestAllOrdersBySerial(t *testing.T) {
	phones := []*androidsim.Phone{
		androidsim.New(androidsim.SamsungWithSecureFolder()),
		androidsim.New(androidsim.CleanXiaomi()),
		androidsim.New(androidsim.Unreadable()),
		androidsim.New(androidsim.BoundXiaomi()),
	}
	src := simSource(phones, android.ADBDevice{Serial: "AAAA0001", State: "unauthorized"})
	want := []struct{ serial, verdict string }{
		{"8a3f21c7", "at_risk"}, {"AAAA0001", VerdictError}, {"R5CW21XKQ7M", "at_risk"},
		{"e41b9a06", "safe"}, {"f3a2c8b1", "unknown"},
	}
	for _, parallel := range []int{0, 1, 3, 16} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		results, err := All(ctx, src, Options{Parallel: parallel, Device: android.DeviceConfig{CommandTimeout: 5 * time.Second}})
		cancel()
		require.NoError(t, err)
		require.Len(t, results, len(want))
		for i, w := range want {
			assert.Equal(t, w.serial, results[i].Serial, "parallel %d, #%d", parallel, i)
			assert.Equal(t, w.verdict, results[i].Verdict(), "parallel %d, %s", parallel, w.serial)
		}
		assert.Equal(t, "unauthorized", results[1].ADBState)
	}

	_, err := All(context.Background(), &Source{List: func(context.Context) ([]android.ADBDevice, error) { return nil, nil }}, Options{})
	assert.ErrorContains(t, err, "no phone attached")
}

// TestErrorResultIsNeverSafe: a phone that could not be read, or that adb
// cannot use, is shown in JSON as a report whose one risk is unknown, with
// Find Device and lost mode unknown, verdict error and not safe to reset.
func TestErrorResultIsNeverSafe(t *testing.T) {
	for _, r := range []Result{
		{Serial: "S1", Err: android.ErrPermissionDenied},
		{Serial: "S2", ADBState: "offline"},
	} {
		var buf bytes.Buffer
		require.NoError(t, WriteJSON(&buf, []Result{r}, false))
		var got JSON
		require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
		assert.Equal(t, VerdictError, got.Verdict)
		assert.False(t, got.SafeToReset)
		assert.Equal(t, r.Serial, got.Device.Serial)
		assert.Equal(t, protocol.TriUnknown, got.FindDevice)
		assert.Equal(t, protocol.TriUnknown, got.LostMode)
		require.Len(t, got.Risks, 1)
		assert.Equal(t, protocol.RiskUnknown, got.Risks[0].Kind)
		assert.Equal(t, CheckReadPhone, got.Risks[0].Check)
	}
}

// TestNextSteps: each risk becomes one step a person can follow, once;
// signing out of the Mi account covers Find Device; a Google account adds
// the warning about recovery resets; an unanswered check says what to look
// at by hand.
func TestNextSteps(t *testing.T) {
	user := func(n int) *int { return &n }
	tests := []struct {
		name  string
		risks []protocol.Risk
		want  []string // a part of each step, in order
	}{
		{"mi account covers find device", []protocol.Risk{
			{Kind: protocol.RiskMiAccount, User: user(0)}, {Kind: protocol.RiskFindDevice},
		}, []string{"Sign out of the Mi account of the owner (user 0)"}},
		{"find device alone", []protocol.Risk{{Kind: protocol.RiskFindDevice}}, []string{"Turn off Find Device"}},
		{"google on two users", []protocol.Risk{
			{Kind: protocol.RiskGoogleFRP, User: user(0)}, {Kind: protocol.RiskGoogleFRP, User: user(10)},
		}, []string{"Remove the Google account of the owner", "of user 10 (switch to that user"}},
		{"same step once", []protocol.Risk{{Kind: protocol.RiskHuaweiID}, {Kind: protocol.RiskHuaweiID}},
			[]string{"Sign out of the HUAWEI ID"}},
		{"lost mode", []protocol.Risk{{Kind: protocol.RiskLostMode}}, []string{"Do not reset"}},
		{"unanswered checks", []protocol.Risk{
			{Kind: protocol.RiskUnknown, Check: android.CheckAccounts},
			{Kind: protocol.RiskUnknown, Check: android.CheckLostMode},
			{Kind: protocol.RiskUnknown, Check: "root"},
		}, []string{"Check the accounts by hand", "not locked remotely", "Check root by hand"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			steps := nextSteps(protocol.Report{Risks: tc.risks})
			require.Len(t, steps, len(tc.want), "%q", steps)
			for i, w := range tc.want {
				assert.Contains(t, steps[i], w)
			}
		})
	}
}
