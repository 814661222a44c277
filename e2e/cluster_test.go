package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker/brokertest"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// inGroup configures a controller as one of share group "unbind" on
// brokerURL.
func inGroup(brokerURL, instance string) func(*controller.Config) {
	return func(cfg *controller.Config) {
		cfg.BrokerURL, cfg.ShareGroup, cfg.Instance = brokerURL, "unbind", instance
	}
}

// TestShareGroupSplitsReports: two controllers of one share group on one
// broker each receive a share of the agents' messages and together every
// message once, not each message twice.
func TestShareGroupSplitsReports(t *testing.T) {
	t.Parallel()
	brokerURL := brokertest.StartMosquitto(t)
	a := controllertest.Start(t, inGroup(brokerURL, "a"))
	b := controllertest.Start(t, inGroup(brokerURL, "b"))

	ctx := context.Background()
	conn, err := mqttconn.Dial(ctx, mqttconn.Options{BrokerURL: brokerURL, ClientID: "unbind-agent-publisher", CleanSession: true})
	require.NoError(t, err)
	defer conn.Close(0)
	const messages = 200
	for i := range messages {
		id := fmt.Sprintf("R58M%04d", i)
		topic, err := protocol.PresenceTopic(id)
		require.NoError(t, err)
		body, err := json.Marshal(protocol.Presence{V: protocol.Version, DeviceID: id, Status: protocol.Online, At: time.Now().UTC()})
		require.NoError(t, err)
		require.NoError(t, conn.Publish(ctx, topic, 1, false, body))
	}
	received := func() (uint64, uint64) { return a.Stats().Received, b.Stats().Received }
	eventually(t, func() bool { ra, rb := received(); return ra+rb >= messages }, "every message reaches a controller")
	// A message handed to both would arrive at the second one at about the
	// same time as at the first: none may come in after the total is reached.
	assert.Never(t, func() bool { ra, rb := received(); return ra+rb > messages }, 300*time.Millisecond, 20*time.Millisecond,
		"a message reached both controllers")
	ra, rb := received()
	t.Logf("controller a received %d, b %d", ra, rb)
	assert.NotZero(t, ra, "controller a got no share")
	assert.NotZero(t, rb, "controller b got no share")
}

// TestShareGroupSettings: a controller joins a group only with an external
// broker and a name of its own.
func TestShareGroupSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  controller.Config
	}{
		{"no external broker", controller.Config{ShareGroup: "unbind", Instance: "a"}},
		{"no instance name", controller.Config{ShareGroup: "unbind", BrokerURL: "tcp://127.0.0.1:1"}},
		{"instance name with a slash", controller.Config{ShareGroup: "unbind", BrokerURL: "tcp://127.0.0.1:1", Instance: "a/b"}},
		{"group with a wildcard", controller.Config{ShareGroup: "un+bind", BrokerURL: "tcp://127.0.0.1:1", Instance: "a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.cfg.DBPath = t.TempDir() + "/registry.db"
			_, err := controller.Start(context.Background(), tc.cfg)
			require.ErrorIs(t, err, controller.ErrCluster)
		})
	}
}
