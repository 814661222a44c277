package main

import (
	"context"
	"github.com/unbind/unbind/internal/cli"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientTLS(t *testing.T) {
	t.Parallel()
	got, err := clientTLS("")
	require.NoError(t, err)
	assert.Nil(t, got, "no --ca: the system roots")

	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	require.NoError(t, os.WriteFile(junk, []byte("not a certificate"), 0o600))
	_, err = clientTLS(junk)
	assert.ErrorIs(t, err, errUsage)
	_, err = clientTLS(filepath.Join(dir, "missing.pem"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestRunCAFlag(t *testing.T) {
	t.Parallel()
	var got *runOptions
	cmd := newRunCmd(cli.Streams{}, func(_ context.Context, o *runOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--ca", "/etc/unbind/ca.pem", "--broker", "ssl://10.0.0.5:8883"})
	require.NoError(t, cmd.Execute())
	require.NotNil(t, got)
	assert.Equal(t, "/etc/unbind/ca.pem", got.CAFile)
	assert.Equal(t, "ssl://10.0.0.5:8883", got.BrokerURL)
}
