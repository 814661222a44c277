package broker

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientIDTakeoverRefused: no login can connect with the controller's
// client ID (it has none here) or another device's, and the sessions it
// aimed at stay up.
func TestClientIDTakeoverRefused(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	b := startBroker(t, Config{Auth: NewDeviceAuth(testCredentials), Logger: logs.logger(slog.LevelInfo)})
	watcher := mustDialAs(t, b.URL(), "mon", "mon-pw")
	victim := mustDialAs(t, b.URL(), "A", "a-pw")

	tests := []struct {
		name, user, password, clientID string
	}{
		{"device as the controller", "B", "b-pw", ControllerClientID},
		{"monitor as the controller", "mon", "mon-pw", ControllerClientID},
		{"device as another device", "B", "b-pw", DeviceClientIDPrefix + "A"},
		{"monitor as a device", "mon", "mon-pw", DeviceClientIDPrefix + "A"},
		{"device with a client ID of its choosing", "B", "b-pw", "anything"},
		{"monitor outside its prefix", "mon", "mon-pw", "unbind-monitor-other"},
	}
	for _, tc := range tests {
		_, err := dialAsID(t, b.URL(), tc.user, tc.password, tc.clientID)
		assert.Error(t, err, tc.name)
	}
	_, err := dialAsID(t, b.URL(), "mon", "mon-pw", MonitorClientID("mon")+"-2")
	assert.NoError(t, err, "a monitor may hold a second session under its prefix")

	for _, c := range []*client{watcher, victim} {
		select {
		case err := <-c.lost:
			t.Fatalf("a session was taken over: %v", err)
		default:
		}
		assert.True(t, c.c.IsConnectionOpen())
	}
	assert.Contains(t, logs.String(), "mqtt connect refused")
}

// TestClientCapIsConfigured: with a cap of 3, the fourth client is refused
// with a clear log line, and one refused address is logged once a minute.
func TestClientCapIsConfigured(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	b := startBroker(t, Config{MaxClients: 3, Logger: logs.logger(slog.LevelInfo)})
	for _, id := range []string{"one", "two", "three"} {
		dial(t, b.URL(), id)
	}
	for _, id := range []string{"four", "five"} {
		_, err := tryDial(b.URL(), id, nil)
		require.Error(t, err, "%s is over the cap", id)
	}
	require.Eventually(t, func() bool {
		return assert.ObjectsAreEqual(1, countLines(logs.String(), "maximum of 3 clients (--max-clients)"))
	}, 10*time.Second, 10*time.Millisecond, logs.String())
}

// TestRefusalLogOncePerMinute counts refusals between log lines.
func TestRefusalLogOncePerMinute(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	r := newRefusalLog(logs.logger(slog.LevelInfo), func() time.Time { return now }, "mqtt connect refused")
	for range 5 {
		r.refused("192.0.2.1:5000", "x", "bad login")
	}
	r.refused("192.0.2.2:5000", "x", "bad login")
	assert.Equal(t, 2, countLines(logs.String(), "mqtt connect refused"), logs.String())
	now = now.Add(time.Minute)
	r.refused("192.0.2.1:5001", "x", "bad login")
	assert.Equal(t, 3, countLines(logs.String(), "mqtt connect refused"))
	assert.Contains(t, logs.String(), "remote=192.0.2.1 client=x reason=\"bad login\" count=5", "four suppressed and this one")
}

func TestDefaultMaxClients(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		limit uint64
		want  int
	}{{0, 4096}, {1024, 512}, {65536, 65536 - fdReserve}, {1 << 30, 1 << 20}} {
		assert.Equal(t, tc.want, DefaultMaxClients(tc.limit), "limit %d", tc.limit)
	}
}

func countLines(s, substr string) int {
	n := 0
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

// TestOneLoginCannotFillTheBroker: a monitor login holds at most
// MonitorMaxSessions sessions, a device login one (its own client ID), so a
// leaked credential cannot take the client cap from the fleet; the phones
// stay connected throughout.
func TestOneLoginCannotFillTheBroker(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	b := startBroker(t, Config{Auth: NewDeviceAuth(testCredentials), Logger: logs.logger(slog.LevelInfo)})
	victim := mustDialAs(t, b.URL(), "A", "a-pw")

	var monitors []*client
	for i := range MonitorMaxSessions {
		c, err := dialAsID(t, b.URL(), "mon", "mon-pw", fmt.Sprintf("%s-%d", MonitorClientID("mon"), i))
		require.NoError(t, err, "monitor session %d is within the cap", i)
		monitors = append(monitors, c)
	}
	for i := range 3 {
		_, err := dialAsID(t, b.URL(), "mon", "mon-pw", fmt.Sprintf("%s-extra-%d", MonitorClientID("mon"), i))
		assert.Error(t, err, "monitor session over the cap")
	}
	// Reconnecting under an ID it already holds replaces that session and
	// is not counted against the login.
	again, err := dialAsID(t, b.URL(), "mon", "mon-pw", MonitorClientID("mon")+"-0")
	require.NoError(t, err)
	monitors[0] = again

	// A device login gets exactly one session: other client IDs are refused.
	for i := range 5 {
		_, err := dialAsID(t, b.URL(), "B", "b-pw", fmt.Sprintf("%sB-%d", DeviceClientIDPrefix, i))
		assert.Error(t, err, "a device login under another client ID")
	}

	// Freeing a monitor session lets another in.
	monitors[1].c.Disconnect(0)
	require.Eventually(t, func() bool {
		c, err := dialAsID(t, b.URL(), "mon", "mon-pw", MonitorClientID("mon")+"-late")
		if err == nil {
			c.c.Disconnect(0)
		}
		return err == nil
	}, 10*time.Second, 50*time.Millisecond)

	for _, c := range []*client{victim} {
		select {
		case err := <-c.lost:
			t.Fatalf("a session was lost: %v", err)
		default:
		}
		assert.True(t, c.c.IsConnectionOpen())
	}
	assert.Contains(t, logs.String(), "maximum of 4 sessions")
}
