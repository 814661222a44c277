package broker

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/internal/cli/clitest"
)

// wait is the generous bound on anything a test waits for; passing tests
// never come near it.
const wait = 10 * time.Second

// startBroker starts a broker on 127.0.0.1:0 and closes it when the test ends.
func startBroker(t testing.TB, cfg Config) *Broker {
	t.Helper()
	if cfg.Listener == nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		cfg.Listener = ln
	}
	b, err := Start(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	return b
}

type message struct {
	topic    string
	payload  []byte
	retained bool
}

// client is a real paho MQTT 3.1.1 client that records what it receives.
type client struct {
	t    testing.TB
	c    paho.Client
	msgs chan message
	lost chan error
}

func dial(t testing.TB, url, id string) *client {
	t.Helper()
	c, err := tryDial(url, id, nil)
	require.NoError(t, err, "connect %s to %s", id, url)
	c.t = t
	t.Cleanup(func() { c.c.Disconnect(0) })
	return c
}

// tryDial connects with an optional will and reports the connect error.
func tryDial(url, id string, will *message) (*client, error) {
	c := &client{msgs: make(chan message, 64), lost: make(chan error, 1)}
	opts := paho.NewClientOptions().
		AddBroker(url).
		SetClientID(id).
		SetProtocolVersion(4).
		SetAutoReconnect(false).
		SetConnectTimeout(wait).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			c.msgs <- message{topic: m.Topic(), payload: m.Payload(), retained: m.Retained()}
		}).
		SetConnectionLostHandler(func(_ paho.Client, err error) { c.lost <- err })
	if will != nil {
		opts.SetBinaryWill(will.topic, will.payload, 1, will.retained)
	}
	c.c = paho.NewClient(opts)
	if err := waitToken(c.c.Connect()); err != nil {
		return nil, err
	}
	return c, nil
}

func waitToken(tok paho.Token) error {
	if !tok.WaitTimeout(wait) {
		return fmt.Errorf("no answer from broker within %s", wait)
	}
	return tok.Error()
}

// subscribe returns the code the broker granted (0x80 means refused).
func (c *client) subscribe(filter string, qos byte) byte {
	c.t.Helper()
	tok := c.c.Subscribe(filter, qos, nil)
	require.NoError(c.t, waitToken(tok), "subscribe %s", filter)
	code, ok := tok.(*paho.SubscribeToken).Result()[filter]
	require.True(c.t, ok, "no suback code for %s", filter)
	return code
}

func (c *client) mustSubscribe(filter string) {
	c.t.Helper()
	require.Equal(c.t, byte(1), c.subscribe(filter, 1), "subscribe %s", filter)
}

func (c *client) publish(topic string, qos byte, retained bool, payload []byte) {
	c.t.Helper()
	require.NoError(c.t, waitToken(c.c.Publish(topic, qos, retained, payload)), "publish %s", topic)
}

// next returns the next message received.
func (c *client) next() message {
	c.t.Helper()
	select {
	case m := <-c.msgs:
		return m
	case <-time.After(wait):
		require.FailNow(c.t, "no message received")
		return message{}
	}
}

// waitLost waits until the broker has dropped the connection.
func (c *client) waitLost() {
	c.t.Helper()
	select {
	case <-c.lost:
	case <-time.After(wait):
		require.FailNow(c.t, "broker did not drop the connection")
	}
}

// rawConnect sends pk as CONNECT on a bare TCP connection and returns the
// connection and the CONNACK return (v3) or reason (v5) code.
func rawConnect(t testing.TB, addr net.Addr, pk packets.Packet) (net.Conn, byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr.String(), wait)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	pk.FixedHeader.Type = packets.Connect
	if pk.Connect.ProtocolName == nil {
		pk.Connect.ProtocolName = []byte("MQTT")
	}
	var buf bytes.Buffer
	require.NoError(t, pk.ConnectEncode(&buf))
	_, err = conn.Write(buf.Bytes())
	require.NoError(t, err)

	require.NoError(t, conn.SetReadDeadline(time.Now().Add(wait)))
	r := bufio.NewReader(conn)
	head := make([]byte, 4) // type, length (< 128 here), flags, code
	_, err = io.ReadFull(r, head)
	require.NoError(t, err, "read CONNACK")
	require.Equal(t, byte(packets.Connack<<4), head[0], "first packet is CONNACK")
	return conn, head[3]
}

// logBuffer is a concurrency-safe sink for a test logger.
type logBuffer struct{ clitest.SyncBuffer }

func (l *logBuffer) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: level}))
}
