package controller

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadBrokerTLSErrors(t *testing.T) {
	t.Parallel()
	junk := filepath.Join(t.TempDir(), "junk.pem")
	require.NoError(t, os.WriteFile(junk, []byte("not pem"), 0o600))
	tests := []struct {
		name string
		cfg  Config
	}{
		{"cert without key", Config{MQTTTLSCert: junk}},
		{"key without cert", Config{MQTTTLSKey: junk}},
		{"with an external broker", Config{MQTTTLSCert: junk, MQTTTLSKey: junk, BrokerURL: "ssl://10.0.0.5:8883"}},
		{"unreadable pair", Config{MQTTTLSCert: junk, MQTTTLSKey: junk}},
		{"missing files", Config{MQTTTLSCert: junk + ".none", MQTTTLSKey: junk}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadBrokerTLS(tc.cfg)
			assert.ErrorIs(t, err, ErrTLSConfig)
			assert.Nil(t, got)
		})
	}
	got, err := loadBrokerTLS(Config{})
	require.NoError(t, err)
	assert.Nil(t, got, "no files, no TLS")
}
