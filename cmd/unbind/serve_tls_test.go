package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeTLSFlags(t *testing.T) {
	t.Parallel()
	var got *serveOptions
	cmd := newServeCmd(streams{}, func(_ context.Context, o *serveOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--mqtt-tls-cert", "broker.pem", "--mqtt-tls-key", "broker-key.pem"})
	require.NoError(t, cmd.Execute())
	require.NotNil(t, got)
	cfg := got.config(nil)
	assert.Equal(t, "broker.pem", cfg.MQTTTLSCert)
	assert.Equal(t, "broker-key.pem", cfg.MQTTTLSKey)
}
