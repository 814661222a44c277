package broker

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestQuietHandler(t *testing.T) {
	t.Parallel()
	var out logBuffer
	log := slog.New(newQuietHandler(out.logger(slog.LevelDebug).Handler(), slog.LevelWarn))

	log.Info("added hook", "hook", "x")
	log.Warn("error processing packet", "pk", "secret-payload", "client", "c1")
	log.With("packet", "secret-with").Warn("w")
	log.Warn("g", slog.Group("grp", slog.String("pk", "secret-group")))
	log.WithGroup("wg").Error("e", "pk", "secret-wg")

	got := out.String()
	assert.NotContains(t, got, "added hook")
	assert.Contains(t, got, "error processing packet")
	assert.Contains(t, got, "client=c1")
	assert.NotContains(t, got, "secret")
	assert.Contains(t, got, "[redacted]")
}

// TestNoPayloadInLogs drives the paths where mochi logs whole packets and
// checks that an account name in a payload never reaches the log.
func TestNoPayloadInLogs(t *testing.T) {
	t.Parallel()
	var out logBuffer
	b := startBroker(t, Config{Logger: out.logger(slog.LevelDebug)})
	const account = "jane.doe@gmail.com"
	payload := []byte(`{"accounts":[{"name":"` + account + `"}]}`)
	state := mustTopic(t, "R58M12ABC", protocol.ChannelState)

	sub := dial(t, b.URL(), "sub")
	sub.mustSubscribe(state)
	pub := dial(t, b.URL(), "pub")
	pub.publish(state, 1, true, payload)
	sub.next()
	pub.c.Publish("other/"+account, 1, false, payload) // refused: disconnects
	pub.waitLost()

	_, err := tryDial(b.URL(), "w", &message{topic: "other/topic", payload: payload})
	assert.Error(t, err)

	assert.NotEmpty(t, out.String(), "the test exercised logging")
	assert.NotContains(t, out.String(), "jane")
}

func TestRoutineEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("read connection: %w", io.EOF), true},
		{&net.OpError{Op: "read", Err: net.ErrClosed}, true},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{errors.New("packet too large"), false},
		{&net.OpError{Op: "read", Err: syscall.ETIMEDOUT}, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, routineEnd(tc.err), "%v", tc.err)
	}
}

// TestConnectionEndsLogged: a connection the broker drops for a reason
// worth knowing leaves a warning; a client that says goodbye leaves none.
func TestConnectionEndsLogged(t *testing.T) {
	t.Parallel()
	var out logBuffer
	b := startBroker(t, Config{Logger: out.logger(slog.LevelWarn)})
	state := mustTopic(t, "R58M12ABC", protocol.ChannelState)

	polite := dial(t, b.URL(), "polite")
	polite.c.Disconnect(100)
	rude := dial(t, b.URL(), "rude")
	rude.c.Publish(state, 0, false, make([]byte, MaxPacketSize))
	rude.waitLost()

	require.Eventually(t, func() bool { return strings.Contains(out.String(), "mqtt connection ended") }, wait, time.Millisecond)
	assert.Equal(t, 1, strings.Count(out.String(), "mqtt connection ended"), out.String())
	assert.Contains(t, out.String(), "packet too large")
}
