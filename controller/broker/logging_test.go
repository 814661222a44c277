package broker

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

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

	log.Warn("", "error", fmt.Errorf("read connection: %w", io.EOF))
	log.Warn("", "error", net.ErrClosed)
	log.Warn("", "error", errors.New("packet too large"))

	got := out.String()
	assert.Equal(t, 1, strings.Count(got, "mqtt connection ended"), "only the unusual end is logged:\n%s", got)
	assert.Contains(t, got, `msg="mqtt connection ended" error="packet too large"`)
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
