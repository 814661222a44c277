// Package fleet is the fleet benchmark: light agents that enroll through the
// controller's API and speak the protocol package's messages over real MQTT
// connections, a burst of state reports, a release of every phone, and the
// same publishers against Mosquitto as a reference. cmd/unbind-bench runs it
// against a controller in a child process; its test runs a small version as
// a guard on loss and order (counts, never timings).
package fleet

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// clientIDPrefix is the agent's client ID prefix (broker.DeviceClientIDPrefix;
// the benchmark does not import the controller).
const clientIDPrefix = "unbind-agent-"

// lightAgent is one simulated phone: an MQTT session with the phone's
// credentials, reports it publishes, and commands it acknowledges.
type lightAgent struct {
	id     string
	conn   *mqttconn.Conn
	topics struct{ state, events, commands string }
	// seq and safe are used by the burst and by command handlers at once.
	seq  atomic.Uint64
	safe atomic.Bool

	// resetAcked is when this agent acknowledged a factory_reset (unix ns).
	resetAcked atomic.Int64
}

func newLightAgent(id string) (*lightAgent, error) {
	a := &lightAgent{id: id}
	var err error
	if a.topics.state, err = protocol.StateTopic(id); err != nil {
		return nil, err
	}
	if a.topics.events, err = protocol.DeviceTopic(id, protocol.ChannelEvents); err != nil {
		return nil, err
	}
	if a.topics.commands, err = protocol.CommandTopic(id); err != nil {
		return nil, err
	}
	return a, nil
}

// connect dials as the enrolled phone and subscribes to its commands.
func (a *lightAgent) connect(ctx context.Context, brokerURL string, e agent.Enrollment) error {
	conn, err := mqttconn.Dial(ctx, mqttconn.Options{
		BrokerURL: brokerURL, ClientID: clientIDPrefix + a.id, Username: e.Username, Password: e.Password,
		CleanSession: true, MinBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("agent %s: %w", a.id, err)
	}
	a.conn = conn
	if err := conn.Subscribe(ctx, a.topics.commands, 1, a.onCommand); err != nil {
		return err
	}
	topic, err := protocol.PresenceTopic(a.id)
	if err != nil {
		return err
	}
	b, err := protocol.Encode(protocol.Presence{V: protocol.Version, DeviceID: a.id, Status: protocol.Online, At: time.Now().UTC(), AgentVersion: "bench"})
	if err != nil {
		return err
	}
	return conn.Publish(ctx, topic, 1, true, b)
}

// report publishes the next state report at QoS 1 and waits for the ack.
func (a *lightAgent) report(ctx context.Context) error {
	seq := a.seq.Add(1)
	r := protocol.Report{
		Device: protocol.Identity{Serial: a.id, Manufacturer: "Bench"}, SafeToReset: true, Risks: []protocol.Risk{}, Catalogue: protocol.CatalogueRevision,
		FindDevice: protocol.TriOff, LostMode: protocol.TriOff, CheckedAt: time.Now().UTC(),
	}
	if !a.safe.Load() {
		r.SafeToReset = false
		r.Risks = []protocol.Risk{{Kind: protocol.RiskGoogleFRP, Check: "bench", Evidence: "bench account"}}
	}
	b, err := protocol.Encode(protocol.DeviceState{V: protocol.Version, DeviceID: a.id, Seq: seq, Epoch: "bench", Report: r})
	if err != nil {
		return err
	}
	return a.conn.Publish(ctx, a.topics.state, 1, true, b)
}

// onCommand acknowledges every command; a refresh is answered with a
// report first. It runs on a paho goroutine.
func (a *lightAgent) onCommand(_ string, payload []byte) {
	cmd, err := protocol.DecodeCommand(payload)
	if err != nil || cmd.DeviceID != a.id {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if cmd.Kind == protocol.CommandRefresh {
			_ = a.report(ctx)
		}
		for _, st := range []protocol.CommandState{protocol.CommandAccepted, protocol.CommandSucceeded} {
			b, err := protocol.Encode(protocol.CommandEvent{V: protocol.Version, DeviceID: a.id, CommandID: cmd.ID, State: st, At: time.Now().UTC()})
			if err != nil {
				return
			}
			if a.conn.Publish(ctx, a.topics.events, 1, false, b) != nil {
				return
			}
			if st == protocol.CommandAccepted && cmd.Kind == protocol.CommandFactoryReset {
				a.resetAcked.CompareAndSwap(0, time.Now().UnixNano())
			}
		}
	}()
}

func (a *lightAgent) close() {
	if a.conn != nil {
		a.conn.Close(0)
	}
}

// parallel runs f for every agent with at most workers at once.
func parallel(agents []*lightAgent, workers int, f func(*lightAgent) error) []error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	next := make(chan *lightAgent)
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range next {
				if err := f(a); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, a := range agents {
		next <- a
	}
	close(next)
	wg.Wait()
	return errs
}
