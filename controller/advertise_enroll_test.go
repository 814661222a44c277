package controller_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// TestEnrollmentHandsOutAdvertisedBroker: with AdvertiseBroker set, phones
// and monitors are told that address, not the controller's own loopback URL.
func TestEnrollmentHandsOutAdvertisedBroker(t *testing.T) {
	const advertised = "tcp://192.0.2.10:1883"
	logs := &lockedBuffer{}
	c := controllertest.Start(t, func(cfg *controller.Config) {
		cfg.AdvertiseBroker = advertised
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	assert.Contains(t, logs.String(), "plain MQTT beyond loopback", "plain MQTT to a LAN address is said out loud")
	ctx := context.Background()
	tok, err := c.MintEnrollmentToken(ctx, controller.TokenOptions{})
	require.NoError(t, err)
	resp, err := c.Enroll(ctx, tok.Token, "phone-a")
	require.NoError(t, err)
	assert.Equal(t, advertised, resp.BrokerURL)
	assert.NotEqual(t, advertised, c.BrokerURL(), "the controller itself still uses its own URL")
	m, err := c.NewMonitorCredential(ctx, "screen", registry.ActorController)
	require.NoError(t, err)
	assert.Equal(t, advertised, m.BrokerURL)
}

// lockedBuffer is a log destination goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
