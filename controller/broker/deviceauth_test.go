package broker

import (
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// fixedCredentials is a CredentialLookup over a map of username to password.
type fixedCredentials map[string]struct {
	password string
	id       Identity
}

func (f fixedCredentials) Identify(username string, password []byte) (Identity, bool) {
	c, ok := f[username]
	if !ok || c.password != string(password) {
		return Identity{}, false
	}
	return c.id, true
}

var testCredentials = fixedCredentials{
	"mon":  {"mon-pw", Identity{Monitor: true, Name: "mon"}},
	"A":    {"a-pw", Identity{DeviceID: "A"}},
	"B":    {"b-pw", Identity{DeviceID: "B"}},
	"evil": {"e-pw", Identity{DeviceID: "a/+"}},
}

// ownClientID is the client ID user's login may connect with.
func ownClientID(user string) string {
	c, ok := testCredentials[user]
	switch {
	case !ok:
		return "c-" + user
	case c.id.Monitor:
		return MonitorClientID(c.id.Name)
	}
	return DeviceClientIDPrefix + c.id.DeviceID
}

// peer is user connecting with its own client ID.
func peer(user string) Peer { return Peer{Username: user, ClientID: ownClientID(user)} }

func dialAs(t testing.TB, url, user, password string) (*client, error) {
	return dialAsID(t, url, user, password, ownClientID(user))
}

func dialAsID(t testing.TB, url, user, password, clientID string) (*client, error) {
	c := &client{t: t, msgs: make(chan message, 64), lost: make(chan error, 1)}
	opts := paho.NewClientOptions().AddBroker(url).SetClientID(clientID).
		SetProtocolVersion(4).SetAutoReconnect(false).SetConnectTimeout(wait).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			c.msgs <- message{topic: m.Topic(), payload: m.Payload(), retained: m.Retained()}
		}).
		SetConnectionLostHandler(func(_ paho.Client, err error) { c.lost <- err })
	if user != "" {
		opts.SetUsername(user).SetPassword(password)
	}
	c.c = paho.NewClient(opts)
	if err := waitToken(c.c.Connect()); err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.c.Disconnect(0) })
	return c, nil
}

func mustDialAs(t testing.TB, url, user, password string) *client {
	t.Helper()
	c, err := dialAs(t, url, user, password)
	require.NoError(t, err, "connect as %s", user)
	return c
}

func TestDeviceAuthConnect(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{Auth: NewDeviceAuth(testCredentials)})
	tests := []struct {
		name, user, password string
		ok                   bool
	}{
		{"device", "A", "a-pw", true},
		{"monitor", "mon", "mon-pw", true},
		{"wrong password", "A", "b-pw", false},
		{"no password", "A", "", false},
		{"no credentials", "", "", false},
		{"unknown user", "mallory", "a-pw", false},
		{"identity not a device id", "evil", "e-pw", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dialAs(t, b.URL(), tc.user, tc.password)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// TestDeviceAuthACL tries every forbidden action with real clients and
// shows it refused, and the allowed traffic flowing. The controller is in
// the process: it hears the broker and publishes commands with no login.
func TestDeviceAuthACL(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{Auth: NewDeviceAuth(testCredentials)})
	ctx := t.Context()
	topic := func(id string, ch protocol.Channel) string { return mustTopic(t, id, ch) }

	ctl := make(heard, 64)
	for _, ch := range []protocol.Channel{protocol.ChannelState, protocol.ChannelPresence, protocol.ChannelEvents} {
		require.NoError(t, b.Subscribe(ctx, protocol.AllDevices(ch), 1, ctl.handle))
	}
	mon := mustDialAs(t, b.URL(), "mon", "mon-pw")
	assert.Equal(t, byte(0x80), mon.subscribe(protocol.AllDevices(protocol.ChannelCommands), 1), "a monitor does not read commands")
	assert.Equal(t, byte(0x80), mon.subscribe("#", 1))

	phoneA := mustDialAs(t, b.URL(), "A", "a-pw")
	phoneB := mustDialAs(t, b.URL(), "B", "b-pw")
	phoneB.mustSubscribe(topic("B", protocol.ChannelCommands))
	phoneA.mustSubscribe(topic("A", protocol.ChannelCommands))

	t.Run("a phone reads only its own commands", func(t *testing.T) {
		for _, filter := range []string{
			topic("B", protocol.ChannelCommands), protocol.AllDevices(protocol.ChannelCommands),
			topic("B", protocol.ChannelState), topic("A", protocol.ChannelState), protocol.AllDevices(protocol.ChannelState),
			"#", protocol.TopicRoot + "/devices/#", "$SYS/#",
		} {
			assert.Equal(t, byte(0x80), phoneA.subscribe(filter, 1), "phone A subscribing to %s", filter)
		}
	})

	t.Run("a phone cannot report as another", func(t *testing.T) {
		phoneA.publish(topic("B", protocol.ChannelState), 0, true, []byte("forged"))
		phoneA.publish(topic("B", protocol.ChannelEvents), 0, false, []byte("forged"))
		phoneA.publish(topic("A", protocol.ChannelState), 1, true, []byte("mine"))
		got := ctl.next(t)
		assert.Equal(t, topic("A", protocol.ChannelState), got.topic, "the controller got %s", got.topic)
		assert.Equal(t, "mine", string(got.payload))
	})

	t.Run("a phone cannot send commands", func(t *testing.T) {
		phoneA.publish(topic("B", protocol.ChannelCommands), 0, false, []byte("forged"))
		phoneA.publish(topic("A", protocol.ChannelCommands), 0, false, []byte("forged"))
		require.NoError(t, b.Publish(ctx, topic("B", protocol.ChannelCommands), 1, false, []byte("real")))
		require.NoError(t, b.Publish(ctx, topic("A", protocol.ChannelCommands), 1, false, []byte("real")))
		assert.Equal(t, "real", string(phoneB.next().payload))
		assert.Equal(t, "real", string(phoneA.next().payload), "not even to itself")
	})

	t.Run("a monitor can neither report nor command", func(t *testing.T) {
		mon.publish(topic("B", protocol.ChannelState), 0, true, []byte("forged"))
		mon.publish(topic("B", protocol.ChannelCommands), 0, false, []byte("forged"))
		// The broker handles a client's packets in order: once this is
		// granted, both publishes were handled, and heard if allowed.
		mon.mustSubscribe(protocol.AllDevices(protocol.ChannelState))
		ctl.none(t)
		require.NoError(t, b.Publish(ctx, topic("B", protocol.ChannelCommands), 1, false, []byte("real")))
		assert.Equal(t, "real", string(phoneB.next().payload), "the forged command never reached the phone")
	})
}

func TestDeviceAuthDecisions(t *testing.T) {
	a := NewDeviceAuth(testCredentials)
	require.True(t, a.Connect(peer("A"), []byte("a-pw")))
	phone, stranger := Peer{Username: "A"}, Peer{Username: "B"}
	for _, tc := range aclCases(t) {
		// Outside a device's own topics nothing is allowed to a device.
		assert.False(t, a.Allow(phone, tc.topic, true), "phone A writes %s", tc.topic)
		assert.False(t, a.Allow(phone, tc.topic, false), "phone A reads %s", tc.topic)
		assert.False(t, a.Allow(stranger, tc.topic, false), "unauthenticated B reads %s", tc.topic)
	}
	assert.True(t, a.Allow(phone, mustTopic(t, "A", protocol.ChannelState), true))
	assert.True(t, a.Allow(phone, mustTopic(t, "A", protocol.ChannelCommands), false))
	assert.False(t, a.Allow(phone, mustTopic(t, "A", protocol.ChannelCommands), true))
	assert.False(t, a.Allow(phone, mustTopic(t, "A", protocol.ChannelState), false))
}

// TestMonitorReadsOnly: a monitor follows what the controller reads and
// can write nowhere, not even commands.
func TestMonitorReadsOnly(t *testing.T) {
	a := NewDeviceAuth(testCredentials)
	require.True(t, a.Connect(peer("mon"), []byte("mon-pw")))
	assert.False(t, a.Connect(peer("mon"), []byte("wrong")))
	mon := Peer{Username: "mon"}
	for _, tc := range aclCases(t) {
		assert.False(t, a.Allow(mon, tc.topic, true), "monitor writes %s", tc.topic)
		_, ch, err := protocol.ParseTopic(tc.topic)
		want := err == nil && ch != protocol.ChannelCommands
		for _, ch := range []protocol.Channel{protocol.ChannelState, protocol.ChannelPresence, protocol.ChannelEvents} {
			want = want || tc.topic == protocol.AllDevices(ch)
		}
		assert.Equal(t, want, a.Allow(mon, tc.topic, false), "monitor reads %s", tc.topic)
	}
	for _, ch := range []protocol.Channel{protocol.ChannelState, protocol.ChannelPresence, protocol.ChannelEvents} {
		assert.True(t, a.Allow(mon, protocol.AllDevices(ch), false))
	}
	assert.False(t, a.Allow(mon, protocol.AllDevices(protocol.ChannelCommands), false), "commands stay private")
}

func FuzzDeviceAuth(f *testing.F) {
	for _, tc := range aclCases(f) {
		f.Add(tc.topic, true)
	}
	a := NewDeviceAuth(testCredentials)
	a.Connect(peer("A"), []byte("a-pw"))
	own := map[string]bool{}
	for _, ch := range []protocol.Channel{protocol.ChannelState, protocol.ChannelPresence, protocol.ChannelEvents, protocol.ChannelCommands} {
		own[mustTopic(f, "A", ch)] = true
	}
	f.Fuzz(func(t *testing.T, topic string, write bool) {
		if a.Allow(Peer{Username: "A"}, topic, write) && !own[topic] {
			t.Fatalf("phone A allowed %q (write %v)", topic, write)
		}
	})
}

// A device's publish is checked on every packet: the check allocates
// nothing.
func TestDeviceAllowAllocatesNothing(t *testing.T) {
	a := NewDeviceAuth(testCredentials)
	require.True(t, a.Connect(peer("A"), []byte("a-pw")))
	phone, state, other := Peer{Username: "A"}, mustTopic(t, "A", protocol.ChannelState), mustTopic(t, "B", protocol.ChannelState)
	allocs := testing.AllocsPerRun(100, func() {
		if !a.Allow(phone, state, true) || a.Allow(phone, other, true) {
			t.Fatal("wrong decision")
		}
	})
	assert.Zero(t, allocs)
}
