package brokertest

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// wait bounds anything a test waits for; passing tests never come near it.
const wait = 10 * time.Second

func connect(t *testing.T, brokerURL, id string) (paho.Client, <-chan paho.Message) {
	t.Helper()
	msgs := make(chan paho.Message, 16)
	c := paho.NewClient(paho.NewClientOptions().
		AddBroker(brokerURL).
		SetClientID(id).
		SetAutoReconnect(false).
		SetConnectTimeout(wait).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) { msgs <- m }))
	require.NoError(t, done(c.Connect()), "connect %s to %s", id, brokerURL)
	t.Cleanup(func() { c.Disconnect(0) })
	return c, msgs
}

func done(tok paho.Token) error {
	if !tok.WaitTimeout(wait) {
		return context.DeadlineExceeded
	}
	return tok.Error()
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		start func(*testing.T) string
	}{
		{"mosquitto", func(t *testing.T) string { return StartMosquitto(t) }},
		{"embedded", func(t *testing.T) string { return StartEmbedded(t).URL() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			brokerURL := tc.start(t)
			topic, err := protocol.StateTopic("R58M12ABC")
			require.NoError(t, err)

			sub, msgs := connect(t, brokerURL, "controller")
			require.NoError(t, done(sub.Subscribe(protocol.AllDevices(protocol.ChannelState), 1, nil)))
			pub, _ := connect(t, brokerURL, "agent")
			require.NoError(t, done(pub.Publish(topic, 1, false, []byte(`{"v":1}`))))

			select {
			case m := <-msgs:
				assert.Equal(t, topic, m.Topic())
				assert.Equal(t, `{"v":1}`, string(m.Payload()))
			case <-time.After(wait):
				require.FailNow(t, "no message received")
			}
		})
	}
}

func TestMosquittoStopsWithTest(t *testing.T) {
	t.Parallel()
	var brokerURL string
	t.Run("inner", func(t *testing.T) { brokerURL = StartMosquitto(t) })
	u, err := url.Parse(brokerURL)
	require.NoError(t, err)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(brokerURL).SetConnectTimeout(wait).SetAutoReconnect(false))
	assert.Error(t, done(c.Connect()), "mosquitto on %s still up after its test ended", u.Host)
}

// mosquittoSub runs mosquitto_sub against brokerURL and returns its output
// and exit error.
func mosquittoSub(t *testing.T, brokerURL string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin := findProgram("mosquitto_sub", "/usr/bin/mosquitto_sub")
	if bin == "" {
		t.Fatalf("mosquitto_sub not found; install it: apt-get install mosquitto-clients")
	}
	u, perr := url.Parse(brokerURL)
	require.NoError(t, perr)
	base := []string{"-h", u.Hostname(), "-p", u.Port(), "-W", strconv.Itoa(int(wait / time.Second))}
	ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// TestMosquittoSubReadsEmbeddedRetained checks the embedded broker against a
// client that is not paho, in both protocol versions.
func TestMosquittoSubReadsEmbeddedRetained(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"mqttv311", "mqttv5"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			b := StartEmbedded(t)
			topic, err := protocol.StateTopic("R58M12ABC")
			require.NoError(t, err)
			pub, _ := connect(t, b.URL(), "agent")
			require.NoError(t, done(pub.Publish(topic, 1, true, []byte(`{"v":1,"retained":true}`))))

			out, errOut, err := mosquittoSub(t, b.URL(), "-V", version, "-i", "sub-"+version, "-t", topic, "-C", "1")
			require.NoError(t, err, "mosquitto_sub: %s", errOut)
			assert.Equal(t, `{"v":1,"retained":true}`+"\n", out)
		})
	}
}

// TestMosquittoSubRefusedOutsideNamespace: the embedded broker refuses "#",
// and mosquitto_sub says so and exits 0 at once (a -W timeout would exit 27).
func TestMosquittoSubRefusedOutsideNamespace(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"mqttv311", "mqttv5"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			b := StartEmbedded(t)
			out, errOut, err := mosquittoSub(t, b.URL(), "-V", version, "-t", "#", "-C", "1")
			require.NoError(t, err, "mosquitto_sub: %s", errOut)
			assert.Empty(t, out)
			assert.Contains(t, errOut, "denied")
		})
	}
}

// TestMosquittoStartFailures uses stand-in programs to check that a failed
// start reports the program's output and recognises a port lost to a race.
func TestMosquittoStartFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   string
		portLost bool
	}{
		{"port taken", "echo 'Error: Address already in use' >&2; exit 1", true},
		{"bad config", "echo 'Error: Unknown configuration variable' >&2; exit 3", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			bin := filepath.Join(dir, "fake-mosquitto")
			require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755))

			m, err := startMosquitto(bin, dir, 0, nil)
			require.Error(t, err)
			assert.Nil(t, m)
			assert.Equal(t, tc.portLost, errors.Is(err, errPortTaken))
			assert.Contains(t, err.Error(), "exited before accepting connections")
			assert.Contains(t, err.Error(), "Error: ", "the error carries the program's output")
		})
	}
}
