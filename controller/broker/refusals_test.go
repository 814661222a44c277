package broker

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRefusedLoginFloodBoundedLog: hundreds of refused logins (paho, bad
// password) and hundreds of connections sending garbage, from one address,
// leave a handful of warning lines, not one each; the next window's line
// carries the count of what was held back.
func TestRefusedLoginFloodBoundedLog(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	b := startBroker(t, Config{Auth: NewDeviceAuth(testCredentials), Logger: logs.logger(slog.LevelWarn)})
	const flood = 200
	for i := range flood {
		_, err := dialAsID(t, b.URL(), "A", "wrong", DeviceClientIDPrefix+"A")
		require.Error(t, err, "attempt %d", i)
	}
	addr := strings.TrimPrefix(b.URL(), "tcp://")
	for range flood {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, _ = fmt.Fprint(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // not MQTT
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		_, _ = conn.Read(make([]byte, 16)) // the broker hangs up
		conn.Close()
	}
	// Every connection has ended (the broker hung up on each); its log
	// lines are written before the connection goroutine ends.
	require.Eventually(t, func() bool { return b.ln.open() == 0 }, wait, 10*time.Millisecond)
	out := logs.String()
	lines := countLines(out, "level=WARN")
	assert.LessOrEqual(t, lines, 4, "a flood of %d refusals and %d bad connections: %d lines\n%s", flood, flood, lines, out)
	assert.GreaterOrEqual(t, countLines(out, "mqtt connect refused"), 1, "the refusals are in view")
	assert.GreaterOrEqual(t, countLines(out, "mqtt connection ended"), 1, "the garbage is in view")
}

// TestRefusalLogBudget: many addresses within one window write at most
// maxRefusalLines lines; the rest is one summary line with its count when
// the window ends.
func TestRefusalLogBudget(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	r := newRefusalLog(logs.logger(slog.LevelInfo), func() time.Time { return now }, "mqtt connect refused")
	for i := range maxRefusalLines + 50 {
		r.refused(fmt.Sprintf("198.51.%d.%d:1883", i/250, i%250), "x", "bad login")
	}
	assert.Equal(t, maxRefusalLines, countLines(logs.String(), "mqtt connect refused"))
	now = now.Add(refusalWindow)
	r.refused("203.0.113.9:1883", "x", "bad login")
	assert.Contains(t, logs.String(), `remote="(more addresses)" count=50`)
	assert.Equal(t, maxRefusalLines+2, countLines(logs.String(), "mqtt connect refused"))
}
