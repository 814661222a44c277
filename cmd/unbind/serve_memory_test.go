package main

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseByteSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1.5GiB", 3 << 29, false},
		{"800MiB", 800 << 20, false},
		{"64KiB", 64 << 10, false},
		{"2TiB", 2 << 40, false},
		{"1048576", 1 << 20, false},
		{"512B", 512, false},
		{" 1 GiB ", 1 << 30, false},
		{"0", 0, false},
		{"", 0, true},
		{"GiB", 0, true},
		{"1.5GB", 0, true},
		{"-1GiB", 0, true},
		{"lots", 0, true},
		{"NaN", 0, true},
		{"InfGiB", 0, true},
		{"9999999TiB", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseByteSize(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.in, "the error names the input")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestServeMemoryLimitFlag(t *testing.T) {
	o, err := serveWith(t, `memory-limit = "1.5GiB"`)
	require.NoError(t, err)
	assert.Equal(t, "1.5GiB", o.MemoryLimit, "from the config file")
	o, err = serveWith(t, "", "--memory-limit", "800MiB")
	require.NoError(t, err)
	assert.Equal(t, "800MiB", o.MemoryLimit)
}

// TestApplyMemoryLimit sets the process's limit, so it does not run in
// parallel and puts the old one back.
func TestApplyMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })

	got, err := applyMemoryLimit("")
	require.NoError(t, err)
	assert.Equal(t, prev, got, "no flag leaves the runtime's limit")

	got, err = applyMemoryLimit("1GiB")
	require.NoError(t, err)
	assert.Equal(t, int64(1<<30), got)
	assert.Equal(t, int64(1<<30), debug.SetMemoryLimit(-1), "the runtime holds the limit")

	got, err = applyMemoryLimit("0")
	require.NoError(t, err)
	assert.Equal(t, int64(math.MaxInt64), got, "0 lifts the limit")

	_, err = applyMemoryLimit("1GiB")
	require.NoError(t, err)
	for _, bad := range []string{"1GB", "10MiB"} {
		_, err = applyMemoryLimit(bad)
		require.ErrorIs(t, err, errUsage, bad)
	}
	assert.Equal(t, int64(1<<30), debug.SetMemoryLimit(-1), "a refused value changes nothing")
	assert.NotEqual(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
}
