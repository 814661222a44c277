package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeRegistryFlag: --registry names the registry (a file or a
// PostgreSQL URL) instead of --db; giving both is a usage error; the
// signing key of a PostgreSQL registry sits where the default registry
// would.
func TestServeRegistryFlag(t *testing.T) {
	t.Parallel()
	url := "postgres://unbind@db.example/unbind"
	tests := []struct {
		name     string
		args     []string
		registry string
		keyPath  string
		usage    bool
	}{
		{"default", nil, defaultDBPath(), "", false},
		{"db", []string{"--db", "/srv/r.db"}, "/srv/r.db", "", false},
		{"registry file", []string{"--registry", "/srv/r.db"}, "/srv/r.db", "", false},
		{"registry url", []string{"--registry", url}, url, filepath.Join(filepath.Dir(defaultDBPath()), "controller.key"), false},
		{"both", []string{"--db", "/srv/r.db", "--registry", url}, "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *serveOptions
			cmd := newServeCmd(streams{}, func(_ context.Context, o *serveOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			err := cmd.Execute()
			if tc.usage {
				require.ErrorIs(t, err, errUsage)
				return
			}
			require.NoError(t, err)
			cfg := got.config(nil)
			assert.Equal(t, tc.registry, cfg.DBPath)
			assert.Equal(t, tc.keyPath, cfg.KeyPath)
		})
	}
}
