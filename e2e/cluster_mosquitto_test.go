package e2e

import (
	"context"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/broker/brokertest"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// TestGroupLoginsOnMosquitto: the controller writing Mosquitto's files lets
// in every controller of its share group under that one's own login, as
// soon as it recorded it, and Mosquitto's ACL lets that login read the
// agents through the group's shared subscription.
func TestGroupLoginsOnMosquitto(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := startOnMosquitto(t, func(cfg *controller.Config) { cfg.ShareGroup, cfg.Instance = "unbind", "a" })

	// Controller b, starting on the same registry, records its login.
	const bUser, bPassword = "unbind-controller-b", "b-secret"
	hash, err := broker.MosquittoHash(bPassword)
	require.NoError(t, err)
	require.NoError(t, a.Registry().SetControllerLogin(ctx, registry.ControllerLogin{Username: bUser, BrokerHash: hash, Instance: "b"}, time.Now()))
	require.NoError(t, a.Registry().AppendChange(ctx, registry.Change{Writer: "b", Seq: 1, Kind: "logins", Devices: []string{"b"}, At: time.Now()}))

	var b paho.Client
	eventually(t, func() bool {
		b, err = dialMQTT(t, a.BrokerURL(), "ignored", bUser, bPassword, nil)
		return err == nil
	}, "b logs in to Mosquitto")
	shared, err := protocol.SharedFilter("unbind", protocol.AllDevices(protocol.ChannelPresence))
	require.NoError(t, err)
	got := make(chan string, 64)
	tok := b.Subscribe(shared, 1, func(_ paho.Client, m paho.Message) { got <- m.Topic() })
	require.True(t, tok.WaitTimeout(10*time.Second))
	require.NoError(t, tok.Error())

	// A phone's messages now go to a or b: b gets its share.
	e, err := enrollVia(a)(ctx, "grp-1")
	require.NoError(t, err)
	conn, err := mqttconn.Dial(ctx, mqttconn.Options{BrokerURL: a.BrokerURL(), ClientID: broker.DeviceClientIDPrefix + "grp-1", CleanSession: true,
		Username: e.Username, Password: e.Password})
	require.NoError(t, err)
	defer conn.Close(0)
	topic, err := protocol.PresenceTopic("grp-1")
	require.NoError(t, err)
	for range 10 {
		require.NoError(t, conn.Publish(ctx, topic, 1, false, []byte(`{"v":1,"device_id":"grp-1","status":"online","at":"2026-12-06T10:00:00Z"}`)))
	}
	select {
	case tp := <-got:
		require.Equal(t, topic, tp)
	case <-time.After(30 * time.Second):
		t.Fatal("b, reading through the shared subscription, received nothing")
	}
}

// TestLoginsChangedThroughAnotherController: with a share group on
// Mosquitto, only controller a writes Mosquitto's files, yet a phone
// enrolled through b can log in, and a phone revoked through b is cut off
// and refused: b tells the group, and a writes the files again.
func TestLoginsChangedThroughAnotherController(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := controllertest.PostgresRegistry(t)
	mq := brokertest.StartMosquittoWith(t, brokertest.MosquittoOptions{Logins: t.TempDir()})
	member := func(instance string, writesFiles bool) func(*controller.Config) {
		return func(cfg *controller.Config) {
			cfg.BrokerURL, cfg.ShareGroup, cfg.Instance = mq.URL, "unbind", instance
			cfg.BrokerUsername, cfg.BrokerPassword = "unbind-controller-"+instance, "secret-"+instance
			if writesFiles {
				cfg.Mosquitto = controller.MosquittoFiles{PasswordFile: mq.PasswordFile, ACLFile: mq.ACLFile, PIDFile: mq.PIDFile}
			}
		}
	}
	controllertest.Start(t, controllertest.OnPostgres(t, url), member("a", true))
	b := controllertest.Start(t, controllertest.OnPostgres(t, url), member("b", false))

	e, err := enrollVia(b)(ctx, "via-b")
	require.NoError(t, err)
	clientID := broker.DeviceClientIDPrefix + "via-b"
	lost := make(chan struct{})
	eventually(t, func() bool {
		_, err := dialMQTT(t, mq.URL, clientID, e.Username, e.Password, lost)
		return err == nil
	}, "a phone enrolled through b logs in to Mosquitto")

	require.NoError(t, b.RevokeDevice(ctx, "via-b", "test"))
	select {
	case <-lost:
	case <-time.After(time.Minute):
		t.Fatal("the session of a phone revoked through b was not ended")
	}
	_, err = dialMQTT(t, mq.URL, clientID, e.Username, e.Password, nil)
	require.Error(t, err, "a phone revoked through b still logs in")
}
