package controller_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// TestQueuedCommandSentWhenPhoneComesOnline: a command queued for an offline
// phone is delivered when the phone's presence says it is back, not at the
// dispatcher's next sweep (30 s, longer than this test waits), and the
// dispatcher expires a queued command at its expiry on the test's clock.
func TestQueuedCommandSentWhenPhoneComesOnline(t *testing.T) {
	clock := controllertest.NewClock()
	c := controllertest.Start(t, clock.Configure)
	ctx := context.Background()
	tok, err := c.MintEnrollmentToken(ctx, controller.TokenOptions{})
	require.NoError(t, err)
	cred, err := c.Enroll(ctx, tok.Token, "late-phone")
	require.NoError(t, err)
	now := clock.Now().UTC()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{{DeviceID: "late-phone", ReceivedAt: now,
		Presence: &protocol.Presence{V: protocol.Version, DeviceID: "late-phone", Status: protocol.Offline, At: now}}}))

	cmd, err := c.SendCommand(ctx, "late-phone", protocol.CommandRefresh)
	require.NoError(t, err)
	rec, err := c.Registry().Command(ctx, cmd.ID)
	require.NoError(t, err)
	require.Equal(t, protocol.CommandQueued, rec.State, "the phone is offline")

	conn, err := mqttconn.Dial(ctx, mqttconn.Options{BrokerURL: c.BrokerURL(), ClientID: broker.DeviceClientIDPrefix + "late-phone",
		CleanSession: true, Username: cred.MQTTUsername, Password: cred.MQTTPassword})
	require.NoError(t, err)
	defer conn.Close(0)
	received := make(chan string, 4)
	cmdTopic, err := protocol.CommandTopic("late-phone")
	require.NoError(t, err)
	require.NoError(t, conn.Subscribe(ctx, cmdTopic, 1, func(_ string, payload []byte) {
		var got protocol.Command
		if json.Unmarshal(payload, &got) == nil {
			received <- got.ID
		}
	}))
	presence, err := json.Marshal(protocol.Presence{V: protocol.Version, DeviceID: "late-phone", Status: protocol.Online, At: clock.Now().UTC()})
	require.NoError(t, err)
	presenceTopic, err := protocol.PresenceTopic("late-phone")
	require.NoError(t, err)
	require.NoError(t, conn.Publish(ctx, presenceTopic, 1, true, presence))

	select {
	case id := <-received:
		assert.Equal(t, cmd.ID, id)
	case <-time.After(10 * time.Second):
		t.Fatal("the queued command was not sent when the phone came online")
	}

	// A command queued for an offline phone expires on the controller's
	// clock, at a tick, without waiting for its real expiry.
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{{DeviceID: "late-phone", ReceivedAt: clock.Now().UTC(),
		Presence: &protocol.Presence{V: protocol.Version, DeviceID: "late-phone", Status: protocol.Offline, At: clock.Now().UTC()}}}))
	stale, err := c.SendCommand(ctx, "late-phone", protocol.CommandRefresh)
	require.NoError(t, err)
	clock.Advance(t, 16*time.Minute) // past the default command TTL of 15 minutes
	rec, err = c.Registry().Command(ctx, stale.ID)
	require.NoError(t, err)
	assert.Equal(t, protocol.CommandTimedOut, rec.State)
}
