package cli

import (
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
			got, err := ParseByteSize(tt.in)
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
