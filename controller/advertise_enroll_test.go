package controller_test

import (
	"context"
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
	c := controllertest.Start(t, func(cfg *controller.Config) { cfg.AdvertiseBroker = advertised })
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
