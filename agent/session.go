package agent

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/unbind/unbind/protocol"
)

// session is one run of the agent: its MQTT connection, the latest report and
// the command executor. Everything but the MQTT callbacks runs on the goroutine
// of run, so no state here needs a lock.
type session struct {
	a      *Agent
	id     string
	topics deviceTopics
	// station is sent with every report; nil off a bench.
	station *protocol.Station
	conn    Conn
	log     *slog.Logger

	cmds        chan protocol.Command
	reconnected chan struct{}

	last    protocol.Report
	seq     *reportSeq
	exec    *executor
	pending []pendingEvent
}

const maxPendingEvents = 256

func (s *session) run(ctx context.Context) error {
	will, err := protocol.Encode(s.presence(protocol.Offline))
	if err != nil {
		return err
	}
	conn, err := s.a.cfg.Dial(ctx, DialOptions{
		BrokerURL: s.a.cfg.BrokerURL, TLS: s.a.cfg.TLS, Username: s.a.cfg.Username, Password: s.a.cfg.Password,
		ClientID:  "unbind-agent-" + s.id,
		WillTopic: s.topics.presence, WillPayload: will,
		OnConnect: func() {
			select {
			case s.reconnected <- struct{}{}:
			default:
			}
		},
	})
	if err != nil {
		return fmt.Errorf("agent %s: %w", s.id, err)
	}
	s.conn = conn
	defer s.shutdown()
	s.exec = newExecutor(s)

	if err := conn.Subscribe(ctx, s.topics.commands, 1, s.onCommand); err != nil {
		return fmt.Errorf("agent %s: %w", s.id, err)
	}
	s.log.Info("agent running", "broker", s.a.cfg.BrokerURL, "verdict", s.last.Verdict())

	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.reconnected:
			s.announce(ctx)
		case cmd := <-s.cmds:
			s.exec.handle(ctx, cmd)
			if s.exec.busy() {
				timer.Reset(s.a.cfg.ActiveInterval)
			}
		case <-timer.C:
			s.refresh(ctx)
			s.exec.poll(ctx)
			timer.Reset(s.interval())
		}
	}
}

func (s *session) interval() time.Duration {
	if s.exec.busy() {
		return s.a.cfg.ActiveInterval
	}
	return s.a.cfg.Interval
}

// onCommand runs on a paho goroutine: decode, hand over, return.
func (s *session) onCommand(topic string, payload []byte) {
	cmd, err := protocol.DecodeCommand(payload)
	if err != nil {
		s.log.Warn("command dropped", LogTopic, topic, "bytes", len(payload), "err", err)
		return
	}
	select {
	case s.cmds <- cmd:
	default:
		s.log.Warn("command queue full, command dropped for redelivery", LogCommand, cmd.ID)
	}
}

// announce runs after every connection: the broker may be new and know
// nothing, so say we are here, re-send the state and anything unacknowledged.
func (s *session) announce(ctx context.Context) {
	s.publish(ctx, s.topics.presence, true, s.presence(protocol.Online))
	s.publishState(ctx)
	pending := s.pending
	s.pending = nil
	for _, p := range pending {
		s.publishEvent(ctx, p.event, p.retained)
	}
}

// refresh reads the phone and publishes what it found.
func (s *session) refresh(ctx context.Context) protocol.Report {
	s.last = s.a.checkOrUnknown(ctx, s.last.Device)
	s.publishState(ctx)
	return s.last
}

func (s *session) publishState(ctx context.Context) {
	if s.seq == nil {
		s.seq = loadSeq(s.a.cfg.StateDir, s.log)
	}
	s.publish(ctx, s.topics.state, true, protocol.DeviceState{
		V: protocol.Version, DeviceID: s.id, Seq: s.seq.next(), Epoch: s.seq.epoch, Station: s.station, Report: s.last,
	})
}

// publishEvent publishes e, retained or not, and keeps it to publish again
// after the next connection when the broker did not acknowledge it.
func (s *session) publishEvent(ctx context.Context, e protocol.CommandEvent, retained bool) {
	if !s.publish(ctx, s.topics.events, retained, e) && len(s.pending) < maxPendingEvents {
		s.pending = append(s.pending, pendingEvent{e, retained})
	}
}

// pendingEvent is an event the broker has not acknowledged yet.
type pendingEvent struct {
	event    protocol.CommandEvent
	retained bool
}

func (s *session) event(cmdID string, state protocol.CommandState, detail string) protocol.CommandEvent {
	return protocol.CommandEvent{
		V: protocol.Version, DeviceID: s.id, CommandID: cmdID, State: state,
		At: s.a.cfg.Now().UTC(), Detail: detail,
	}
}

func (s *session) presence(st protocol.PresenceStatus) protocol.Presence {
	return protocol.Presence{
		V: protocol.Version, DeviceID: s.id, Status: st, At: s.a.cfg.Now().UTC(), AgentVersion: s.a.cfg.Version,
	}
}

func (s *session) publish(ctx context.Context, topic string, retained bool, m protocol.Message) bool {
	b, err := protocol.Encode(m)
	if err != nil {
		s.log.Error("refusing to publish invalid message", LogTopic, topic, "err", err)
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.conn.Publish(ctx, topic, 1, retained, b); err != nil {
		s.log.Warn("publish failed", LogTopic, topic, "err", err)
		return false
	}
	return true
}

// shutdown marks the device offline (a clean disconnect fires no will) and
// closes the connection within a bounded time.
func (s *session) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.publish(ctx, s.topics.presence, true, s.presence(protocol.Offline))
	s.conn.Close(250 * time.Millisecond)
	s.log.Info("agent stopped")
}
