package controller

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEnrollGuard(t *testing.T) {
	g := newEnrollGuard()
	g.every = 0 // no refill during the test: counts, not speeds
	for i := range enrollFailBurst {
		assert.True(t, g.allowed("10.0.0.1"), "attempt %d", i)
		assert.True(t, g.failed("10.0.0.1"), "failure %d is within the allowance", i)
	}
	assert.False(t, g.allowed("10.0.0.1"), "past the burst the address is throttled")
	assert.True(t, g.allowed("10.0.0.2"), "other addresses are not")
	assert.True(t, g.allowed(""), "callers in this process are never limited")

	g = newEnrollGuard()
	g.every, g.max = 0, 8
	for i := range 100 {
		g.failed(fmt.Sprintf("10.1.0.%d", i))
		assert.LessOrEqual(t, len(g.addrs), g.max, "the map stays bounded")
	}
}
