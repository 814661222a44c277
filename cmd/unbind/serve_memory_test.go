package main

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
