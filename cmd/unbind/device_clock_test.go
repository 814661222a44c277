package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClockOffset(t *testing.T) {
	tests := []struct {
		seconds float64
		want    string
	}{
		{0.2, "in step with the controller's"},
		{90, "1m30s behind the controller's"},
		{-3600, "1h0m0s ahead of the controller's"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, clockOffset(tc.seconds), "%v s", tc.seconds)
	}
}
