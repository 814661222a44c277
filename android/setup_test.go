package android

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestReadSetup(t *testing.T) {
	phone := func() *stubPhone {
		return newStub().
			on("settings get global device_provisioned", stdout("1\n")).
			on("settings get secure user_setup_complete", stdout("null\n")).
			on("settings get global secure_frp_mode", stdout("0\n")).
			on("settings get secure secure_frp_mode", stdout("1\n"))
	}
	tests := []struct {
		name string
		sdk  int
		want Setup
	}{
		{"API 34 reads FRP mode from global", 34, Setup{
			Provisioned: protocol.TriOn, UserSetupComplete: protocol.TriUnknown, FRPActive: protocol.TriOff,
			Reasons: map[string]string{"user_setup_complete": "null"},
		}},
		{"API 31 reads FRP mode from secure", 31, Setup{
			Provisioned: protocol.TriOn, UserSetupComplete: protocol.TriUnknown, FRPActive: protocol.TriOn,
			Reasons: map[string]string{"user_setup_complete": "null"},
		}},
		{"unknown API level", 0, Setup{
			Provisioned: protocol.TriOn, UserSetupComplete: protocol.TriUnknown, FRPActive: protocol.TriUnknown,
			Reasons: map[string]string{"user_setup_complete": "null", "secure_frp_mode": "API level below 30 or unknown"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := testDevice(phone(), DeviceConfig{}).ReadSetup(context.Background(), tt.sdk)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
