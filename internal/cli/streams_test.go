package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExit(t *testing.T) {
	errBadURL := errors.New("bad url")
	agentCodes := ExitCodes{Error: 3, Usage: 4, Interrupt: 130}
	cliCodes := ExitCodes{Error: 1, Usage: 2, UsageErrors: []error{errBadURL}}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		err    error
		codes  ExitCodes
		code   int
		stderr string
	}{
		{"success", context.Background(), nil, agentCodes, 0, ""},
		{"chosen code, nothing printed", context.Background(), fmt.Errorf("status: %w", ExitError{Code: 2}), agentCodes, 2, ""},
		{"usage", context.Background(), fmt.Errorf("%w: --output", ErrUsage), agentCodes, 4, "prog: usage: --output\n"},
		{"usage before interrupt", canceled, fmt.Errorf("%w: --x", ErrUsage), agentCodes, 4, "prog: usage: --x\n"},
		{"interrupted", canceled, context.Canceled, agentCodes, 130, "prog: interrupted\n"},
		{"no interrupt code", canceled, context.Canceled, cliCodes, 1, "prog: context canceled\n"},
		{"the program's own usage errors", context.Background(), fmt.Errorf("api: %w", errBadURL), cliCodes, 2, "prog: api: bad url\n"},
		{"failure", context.Background(), errors.New("boom"), agentCodes, 3, "prog: boom\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Streams{Out: &out, Err: &errb}.Exit(tc.ctx, "prog", tc.err, tc.codes)
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.stderr, errb.String())
			assert.Empty(t, out.String())
		})
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, IsTerminal(f), "a regular file")
	assert.False(t, IsTerminal(&bytes.Buffer{}), "not a file")
	assert.False(t, Streams{Out: f, Err: &bytes.Buffer{}}.ErrIsTerminal())
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		assert.True(t, IsTerminal(tty), "/dev/tty")
	}
}
