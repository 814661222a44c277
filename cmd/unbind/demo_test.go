//go:build sim

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/internal/cli/clitest"
)

// TestDemoFreshAndInterrupt: the demo says it empties its registry (and
// does: a junk file there is gone), --fresh=false keeps the file (the junk
// then stops it), and an interrupt ends it with nil, so the process exits 0.
func TestDemoFreshAndInterrupt(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	tests := []struct {
		name     string
		fresh    bool
		wantSay  string
		wantFail bool
	}{
		{"fresh", true, "(emptied at start; --fresh=false keeps it)", false},
		{"kept", false, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "demo.db")
			require.NoError(t, os.WriteFile(db, []byte("not a registry"), 0o600))
			opts := &demoOptions{Phones: 2, Seed: 1, Interval: time.Second, Fresh: tc.fresh}
			opts.DBPath, opts.MQTTListen, opts.HTTPListen, opts.LogLevel = db, "127.0.0.1:0", "127.0.0.1:0", "error"
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &clitest.SyncBuffer{}
			errc := make(chan error, 1)
			go func() { errc <- demoRun(ctx, streams{Out: out, Err: &bytes.Buffer{}}, opts) }()
			if tc.wantFail {
				err := <-errc
				require.Error(t, err)
				b, rerr := os.ReadFile(db)
				require.NoError(t, rerr)
				assert.Equal(t, "not a registry", string(b), "--fresh=false never deletes the registry")
				return
			}
			require.Eventually(t, func() bool { return strings.Contains(out.String(), "Ctrl-C stops the demo.") }, time.Minute, 50*time.Millisecond)
			assert.Contains(t, out.String(), tc.wantSay)
			cancel() // what Ctrl-C does through signal.NotifyContext
			require.NoError(t, <-errc)
			assert.Contains(t, out.String(), "stopping:")
		})
	}
}
