package agent_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/protocol"
)

// fakeConn is an in-memory MQTT session: the test delivers commands through
// the subscribed handler and reads the agent's events from what it publishes.
type fakeConn struct {
	mu      sync.Mutex
	handler func(string, []byte)
	events  map[string][]protocol.CommandState
	onConn  func()
}

func (c *fakeConn) Publish(_ context.Context, topic string, _ byte, _ bool, payload []byte) error {
	if strings.HasSuffix(topic, "/events") {
		e, err := protocol.DecodeEvent(payload)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.events[e.CommandID] = append(c.events[e.CommandID], e.State)
		c.mu.Unlock()
	}
	return nil
}

func (c *fakeConn) Subscribe(_ context.Context, _ string, _ byte, h func(string, []byte)) error {
	c.mu.Lock()
	c.handler = h
	c.mu.Unlock()
	return nil
}

func (c *fakeConn) Close(time.Duration) {}

func (c *fakeConn) deliver(t *testing.T, topic string, cmd protocol.Command) {
	t.Helper()
	b, err := protocol.Encode(cmd)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.handler != nil
	}, 10*time.Second, time.Millisecond)
	c.mu.Lock()
	h := c.handler
	c.mu.Unlock()
	h(topic, b)
}

// connected is the agent's OnConnect, once it dialed (it dials on its own
// goroutine).
func (c *fakeConn) connected() func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.onConn
}

func (c *fakeConn) ended(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.events[id] {
		if s.Terminal() {
			return true
		}
	}
	return false
}

// runningAgent is one agent process over the simulated phone.
type runningAgent struct {
	conn   *fakeConn
	cancel context.CancelFunc
	done   chan struct{}
}

func startAgent(t *testing.T, p *androidsim.Phone, key ed25519.PublicKey, stateDir string) *runningAgent {
	conn := &fakeConn{events: map[string][]protocol.CommandState{}}
	a := agent.New(android.NewDevice(p, android.DeviceConfig{CommandTimeout: time.Second}), agent.Config{
		ControllerKey: key, StateDir: stateDir, Interval: time.Hour, ActiveInterval: time.Hour,
		Dial: func(_ context.Context, o agent.DialOptions) (agent.Conn, error) {
			conn.mu.Lock()
			conn.onConn = o.OnConnect
			conn.mu.Unlock()
			return conn, nil
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningAgent{conn: conn, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		_ = a.Run(ctx)
	}()
	return r
}

func (r *runningAgent) stop() {
	r.cancel()
	<-r.done
}

// TestNoResetWithLockProperty: random interleavings of lock changes on the
// phone, command deliveries (valid, replayed, expired, forged), reconnects
// and agent restarts never let a reset run on a phone that has a lock at
// that moment. The sim records the locks each reset leaves armed.
func TestNoResetWithLockProperty(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, forger, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)

	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := mrand.New(mrand.NewPCG(seed, 99))
			opts := androidsim.Rooted() // a root broadcast wipes at once
			if seed%2 == 0 {
				opts = androidsim.BoundXiaomi()
				opts.Rooted = true
			}
			opts.Person = androidsim.Person{Behaviour: androidsim.Never}
			p := androidsim.New(opts)
			topic, err := protocol.CommandTopic(p.Serial())
			require.NoError(t, err)
			stateDir := t.TempDir()
			ag := startAgent(t, p, pub, stateDir)
			defer func() { ag.stop() }()

			var sent []protocol.Command
			n := 0
			command := func(kind protocol.CommandKind, ttl time.Duration, key ed25519.PrivateKey) protocol.Command {
				n++
				now := time.Now().UTC()
				return protocol.SignCommand(protocol.Command{
					V: protocol.Version, ID: fmt.Sprintf("s%d-c%d", seed, n), DeviceID: p.Serial(), Kind: kind,
					IssuedAt: now.Add(-2 * time.Minute), ExpiresAt: now.Add(ttl),
				}, key)
			}
			// run delivers cmd and waits until the agent has dealt with it; a
			// command it drops silently (a replay) is followed by a refresh
			// that is waited for instead, since commands are handled in order.
			run := func(cmd protocol.Command) {
				ag.conn.deliver(t, topic, cmd)
				probe := command(protocol.CommandRefresh, time.Minute, priv)
				ag.conn.deliver(t, topic, probe)
				require.Eventually(t, func() bool { return ag.conn.ended(probe.ID) }, 20*time.Second, time.Millisecond)
			}
			lockTypes := []string{"com.google", "com.xiaomi", "com.osp.app.signin", "com.huawei.hwid"}

			for step := 0; step < 60; step++ {
				switch op := rng.IntN(9); op {
				case 0, 1:
					_ = p.AddAccount(0, androidsim.Account{Type: lockTypes[rng.IntN(len(lockTypes))], Name: "someone@example.com"})
				case 2:
					p.RemoveAccounts(lockTypes...)
					_ = p.SetFindDevice(false)
				case 3:
					p.SetLostMode(rng.IntN(3) == 0)
				case 4, 5:
					cmd := command(protocol.CommandFactoryReset, time.Minute, priv)
					sent = append(sent, cmd)
					run(cmd)
				case 6:
					if len(sent) > 0 { // a replay of an old command
						run(sent[rng.IntN(len(sent))])
					} else {
						run(command(protocol.CommandFactoryReset, time.Minute, forger))
					}
				case 7:
					run(command(protocol.CommandFactoryReset, -time.Second, priv)) // expired
				case 8:
					if onConn := ag.conn.connected(); rng.IntN(2) == 0 && onConn != nil {
						onConn()
					} else {
						ag.stop()
						ag = startAgent(t, p, pub, stateDir)
					}
				}
			}
			for _, r := range p.Resets() {
				require.Empty(t, r.Locks, "seed %d: a reset at %s left locks armed", seed, r.At)
			}
			require.Empty(t, p.ForbiddenCalls())
			t.Logf("seed %d: %d resets, %d commands", seed, p.ResetCount(), n)
		})
	}
}
