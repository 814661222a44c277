package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStationFlag: a bench agent names its station (the host name unless
// --station says otherwise) and may name a lot; on the phone neither flag
// has a meaning, and a name that could not travel is refused before any
// phone is read.
func TestStationFlag(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)
	tests := []struct {
		name              string
		adb, station, lot string
		want              string
		wantErr           bool
	}{
		{"on the phone", "", "", "", "", false},
		{"on the phone with a station", "", "bench-3", "", "", true},
		{"on the phone with a lot", "", "", "L-1", "", true},
		{"bench, host name", "R58M", "", "", host, false},
		{"bench, named", "R58M", "bench-3", "L-2026-0042", "bench-3", false},
		{"bench, name with a slash", "R58M", "bench/3", "", "", true},
		{"bench, lot with a space", "R58M", "bench-3", "PO 4711", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := &runOptions{phoneOptions: phoneOptions{ADBSerial: tc.adb}, Station: tc.station, Lot: tc.lot}
			got, err := o.station()
			if tc.wantErr {
				require.ErrorIs(t, err, errUsage)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
