package fleet

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
)

// TestServeControllerServesTheAPI: the controller the benchmark starts as
// its child answers the HTTP API (it once served only 404s), and stops when
// its stdin closes.
func TestServeControllerServesTheAPI(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- ServeController("", stdinR, stdoutW, io.Discard)
		stdoutW.Close()
	}()
	line, err := bufio.NewReader(stdoutR).ReadBytes('\n')
	require.NoError(t, err)
	var urls struct{ API, Broker, Token string }
	require.NoError(t, json.Unmarshal(line, &urls))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NotEmpty(t, urls.Token, "the child hands its operator token to the parent")
	c := api.NewClient(urls.API, nil).WithToken(urls.Token)
	_, err = c.Summary(ctx)
	require.NoError(t, err)
	tok, err := c.NewEnrollmentToken(ctx, 0)
	require.NoError(t, err)
	assert.NotEmpty(t, tok.Token)

	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	require.NoError(t, stdinW.Close())
	select {
	case code := <-done:
		assert.Zero(t, code)
	case <-ctx.Done():
		t.Fatal("the child did not stop when its stdin closed")
	}
}

func TestCPUOfStat(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want float64
	}{
		{"plain", "1234 (mosquitto) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 130 0 0 20 0 1 0 100 1000 10", 3.8},
		{"name with spaces and parens", "99 (a b) (c)) R 1 99 99 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 1 1", 0.1},
		{"truncated", "99 (x) R 1 2 3", 0},
		{"no name", "garbage", 0},
		{"not numbers", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 a b 0 0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, cpuOfStat([]byte(tt.stat)), 1e-9)
		})
	}
}
