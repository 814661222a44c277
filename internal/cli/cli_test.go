package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewLogger(&buf, "warn")
	require.NoError(t, err)
	l.Info("hidden")
	l.Warn("shown")
	assert.NotContains(t, buf.String(), "hidden")
	assert.Contains(t, buf.String(), "shown")
	_, err = NewLogger(&buf, "loud")
	assert.ErrorIs(t, err, ErrUsage)
}

func TestTrustTLS(t *testing.T) {
	cfg, err := TrustTLS("--ca", "")
	require.NoError(t, err)
	assert.Nil(t, cfg, "no file: the system roots")

	notPEM := filepath.Join(t.TempDir(), "x.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("nope"), 0o600))
	_, err = TrustTLS("--ca", notPEM)
	assert.ErrorIs(t, err, ErrUsage)

	_, err = TrustTLS("--ca", filepath.Join(t.TempDir(), "missing.pem"))
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUsage)
}
