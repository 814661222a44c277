package agent

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// cleanPhone is always safe to reset and counts the resets it was asked for.
type cleanPhone struct {
	mu     sync.Mutex
	now    func() time.Time
	resets int
}

func (p *cleanPhone) Observe(context.Context) (Observation, error) {
	return Observation{
		Identity:   protocol.Identity{Serial: "me"},
		Users:      []UserAccounts{{UserID: 0, UserName: "Owner"}},
		FindDevice: protocol.TriOff, LostMode: protocol.TriOff, ObservedAt: p.now(),
		Management: Management{Read: true}, Setup: SetupState{FRPActive: protocol.TriOff},
	}, nil
}

func (p *cleanPhone) Guide(context.Context, GuideStep) error { return nil }

func (p *cleanPhone) FactoryReset(context.Context) (ResetMethod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resets++
	return ResetBroadcast, nil
}

// recordingConn keeps what the agent publishes.
type recordingConn struct {
	mu     sync.Mutex
	events []protocol.CommandEvent
}

func (c *recordingConn) Publish(_ context.Context, topic string, _ byte, _ bool, b []byte) error {
	if _, ch, err := protocol.ParseTopic(topic); err == nil && ch == protocol.ChannelEvents {
		e, err := protocol.DecodeEvent(b)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.events = append(c.events, e)
		c.mu.Unlock()
	}
	return nil
}

func (c *recordingConn) Subscribe(context.Context, string, byte, func(string, []byte)) error {
	return nil
}
func (c *recordingConn) Close(time.Duration) {}

type trustHarness struct {
	phone *cleanPhone
	conn  *recordingConn
	exec  *executor
}

// newTrustHarness builds the executor of an agent for device "me", as
// session.run does, without a broker.
func newTrustHarness(t *testing.T, key ed25519.PublicKey, stateDir string, now time.Time) *trustHarness {
	t.Helper()
	clock := func() time.Time { return now }
	phone := &cleanPhone{now: clock}
	a := New(phone, Config{ControllerKey: key, StateDir: stateDir, Now: clock})
	topics, err := newDeviceTopics("me")
	require.NoError(t, err)
	conn := &recordingConn{}
	s := &session{a: a, id: "me", topics: topics, conn: conn, log: a.log}
	s.exec = newExecutor(s)
	return &trustHarness{phone: phone, conn: conn, exec: s.exec}
}

// last returns the final event about command id.
func (h *trustHarness) last(id string) protocol.CommandEvent {
	h.conn.mu.Lock()
	defer h.conn.mu.Unlock()
	var e protocol.CommandEvent
	for _, ev := range h.conn.events {
		if ev.CommandID == id {
			e = ev
		}
	}
	return e
}

func keyPair(seed byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	priv := ed25519.NewKeyFromSeed([]byte(strings.Repeat(string(rune('A'+seed)), ed25519.SeedSize)))
	return priv.Public().(ed25519.PublicKey), priv
}

func TestCommandTrust(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	pub, priv := keyPair(0)
	_, otherPriv := keyPair(1)
	reset := func(id, device string, expires time.Time) protocol.Command {
		return protocol.Command{V: protocol.Version, ID: id, DeviceID: device, Kind: protocol.CommandFactoryReset,
			IssuedAt: now.Add(-time.Minute), ExpiresAt: expires}
	}
	later := now.Add(10 * time.Minute)
	signed := protocol.SignCommand(reset("c1", "me", later), priv)
	readdressed := signed
	readdressed.DeviceID = "them"
	extended := protocol.SignCommand(reset("c1", "me", now), priv)
	extended.ExpiresAt = later

	tests := []struct {
		name   string
		key    ed25519.PublicKey
		before []protocol.Command // delivered first
		cmd    protocol.Command
		state  protocol.CommandState
		reason string
		resets int
	}{
		{name: "signed by the controller", key: pub, cmd: signed, state: protocol.CommandSucceeded, resets: 1},
		{name: "agent not enrolled", cmd: signed, state: protocol.CommandRejected, reason: "agent not enrolled"},
		{name: "unsigned", key: pub, cmd: reset("c1", "me", later), state: protocol.CommandRejected, reason: "bad signature"},
		{name: "signed by another key", key: pub, cmd: protocol.SignCommand(reset("c1", "me", later), otherPriv), state: protocol.CommandRejected, reason: "bad signature"},
		{name: "re-addressed after signing", key: pub, cmd: readdressed, state: protocol.CommandRejected, reason: "bad signature"},
		{name: "expiry extended after signing", key: pub, cmd: extended, state: protocol.CommandRejected, reason: "bad signature"},
		{name: "signed for another device", key: pub, cmd: protocol.SignCommand(reset("c1", "them", later), priv), state: protocol.CommandRejected, reason: "addressed to them"},
		{name: "expired", key: pub, cmd: protocol.SignCommand(reset("c1", "me", now), priv), state: protocol.CommandRejected, reason: "expired"},
		// Delivered again (a redelivery and a replay look the same): dropped
		// without a word, so the controller keeps what the first run said.
		{name: "replayed", key: pub, before: []protocol.Command{signed}, cmd: signed, state: protocol.CommandSucceeded, resets: 1},
		{name: "forgery cannot burn an id", key: pub, before: []protocol.Command{reset("c1", "me", later)}, cmd: signed, state: protocol.CommandSucceeded, resets: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newTrustHarness(t, tc.key, t.TempDir(), now)
			ctx := context.Background()
			for _, c := range tc.before {
				h.exec.handle(ctx, c)
			}
			h.exec.handle(ctx, tc.cmd)
			e := h.last(tc.cmd.ID)
			assert.Equal(t, tc.state, e.State, "detail %q", e.Detail)
			assert.Contains(t, e.Detail, tc.reason)
			assert.Equal(t, tc.resets, h.phone.resets, "resets executed")
		})
	}
}

// TestReplayAfterRestart: the record of received commands outlives the agent.
func TestReplayAfterRestart(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	pub, priv := keyPair(0)
	dir := t.TempDir()
	cmd := protocol.SignCommand(protocol.Command{V: protocol.Version, ID: "c1", DeviceID: "me",
		Kind: protocol.CommandFactoryReset, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}, priv)
	ctx := context.Background()

	first := newTrustHarness(t, pub, dir, now)
	first.exec.handle(ctx, cmd)
	require.Equal(t, protocol.CommandSucceeded, first.last("c1").State)
	info, err := os.Stat(filepath.Join(dir, seenFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	second := newTrustHarness(t, pub, dir, now.Add(time.Minute))
	second.exec.handle(ctx, cmd)
	assert.Zero(t, second.last("c1"), "a command received before the restart is dropped without a word")
	assert.Zero(t, second.phone.resets, "not run again after a restart")
}

// TestUnreadableRecordRefusesOlderCommands: if the record is damaged, a
// command issued before the agent started may have run already.
func TestUnreadableRecordRefusesOlderCommands(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	pub, priv := keyPair(0)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, seenFile), []byte("{garbage"), 0o600))
	h := newTrustHarness(t, pub, dir, now)
	ctx := context.Background()
	older := protocol.SignCommand(protocol.Command{V: protocol.Version, ID: "old", DeviceID: "me",
		Kind: protocol.CommandRefresh, IssuedAt: now.Add(-time.Second), ExpiresAt: now.Add(time.Hour)}, priv)
	newer := protocol.SignCommand(protocol.Command{V: protocol.Version, ID: "new", DeviceID: "me",
		Kind: protocol.CommandRefresh, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}, priv)
	h.exec.handle(ctx, older)
	h.exec.handle(ctx, newer)
	assert.Equal(t, protocol.CommandRejected, h.last("old").State)
	assert.Equal(t, protocol.CommandSucceeded, h.last("new").State)
}

func TestSeenCommandsPrunesAndBounds(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	s := loadSeen(dir, now, nil)
	require.NoError(t, s.add("short", now.Add(time.Second), now))
	require.NoError(t, s.add("long", now.Add(time.Hour), now))

	later := now.Add(time.Minute)
	again := loadSeen(dir, later, nil)
	assert.True(t, again.has("short"), "a command that expired a minute ago is still known: its late redelivery is a duplicate")
	assert.True(t, again.has("long"))
	assert.False(t, loadSeen(dir, now.Add(seenAfterExpiry+time.Hour), nil).has("long"), "IDs are forgotten a day after they expire")

	again.path = "" // the bound is about memory; thousands of fsyncs would only slow the test
	for i := range maxSeenCommands + 10 {
		require.NoError(t, again.add(string(rune('a'+i%26))+time.Duration(i).String(), later.Add(time.Duration(i+1)*time.Minute), later))
	}
	assert.LessOrEqual(t, len(again.ids), maxSeenCommands)
	assert.True(t, again.has("long"), "the bound drops the soonest to expire")
}

// A factory reset that ran, redelivered after it expired (another controller
// resending what a dead one never recorded), is dropped as a duplicate: an
// "expired" answer would tell the controller it never ran.
func TestLateRedeliveryOfARunCommandIsADuplicate(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	seen := loadSeen(t.TempDir(), now, nil)
	cmd := protocol.Command{V: protocol.Version, ID: "reset-1", DeviceID: "p1", Kind: protocol.CommandFactoryReset,
		IssuedAt: now, ExpiresAt: now.Add(time.Minute)}
	verdict, _ := admit(cmd, "p1", now, seen.has, "")
	require.Equal(t, admitRun, verdict)
	require.NoError(t, seen.add(cmd.ID, cmd.ExpiresAt, now))

	later := now.Add(10 * time.Minute)
	verdict, reason := admit(cmd, "p1", later, loadSeen(filepath.Dir(seen.path), later, nil).has, "")
	assert.Equal(t, admitDuplicate, verdict, reason)
}
