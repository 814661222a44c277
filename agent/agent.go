// Package agent runs on or next to one phone: it reads the phone's lock state
// through a Phone, reports it over MQTT, and carries out the controller's
// commands, verifying every step on the phone itself.
package agent

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Config configures an Agent. It knows nothing of flags or files.
type Config struct {
	BrokerURL string
	// TLS is the client configuration for an ssl:// broker, for example
	// RootCAs holding the CA that signed its certificate; nil means the
	// system roots.
	TLS      *tls.Config
	Username string
	Password string
	// DeviceID names the phone on the wire; empty means its serial.
	DeviceID string
	// Interval is the time between routine checks.
	Interval time.Duration
	// ActiveInterval is the time between checks while a person is being guided.
	ActiveInterval time.Duration
	// ObserveTimeout bounds one full read of the phone.
	ObserveTimeout   time.Duration
	ShowAccountNames bool
	// Station names the bench PC this agent runs on, when it reaches the
	// phone over USB; "" for an agent on the phone. Every report carries
	// it, with Lot, the lot the bench is set to ("" none).
	Station string
	Lot     string
	// ControllerKey is the key of the controller the agent was enrolled
	// with. Only commands it signed run; without it every command is
	// rejected.
	ControllerKey ed25519.PublicKey
	// StateDir keeps what must survive a restart (the IDs of commands
	// received, so none runs twice). Empty keeps it in memory only.
	StateDir string
	Version  string
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Dial opens the MQTT session; nil means DialMQTT.
	Dial func(context.Context, DialOptions) (Conn, error)
}

func (c *Config) setDefaults() {
	if c.Interval <= 0 {
		c.Interval = time.Minute
	}
	if c.ActiveInterval <= 0 {
		c.ActiveInterval = 3 * time.Second
	}
	if c.ObserveTimeout <= 0 {
		c.ObserveTimeout = 2 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Dial == nil {
		c.Dial = DialMQTT
	}
}

// station is what reports say of the bench, nil off a bench.
func (c *Config) station() (*protocol.Station, error) {
	if c.Station == "" && c.Lot == "" {
		return nil, nil
	}
	st := &protocol.Station{Name: c.Station, Lot: c.Lot}
	if c.Station == "" {
		return nil, fmt.Errorf("lot %s: a lot is set per bench station: name the station", c.Lot)
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	return st, nil
}

// ErrNoDeviceID means the phone's serial could not be read and no ID was given.
var ErrNoDeviceID = errors.New("no device id: the serial is unreadable; pass one explicitly")

// Agent reports one phone and executes commands for it.
type Agent struct {
	cfg   Config
	phone Phone
	log   *slog.Logger
}

// New returns an agent for phone.
func New(phone Phone, cfg Config) *Agent {
	cfg.setDefaults()
	return &Agent{cfg: cfg, phone: phone, log: cfg.Logger}
}

// Check reads the phone once and judges it, without any network.
func (a *Agent) Check(ctx context.Context) (protocol.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.ObserveTimeout)
	defer cancel()
	obs, err := a.phone.Observe(ctx)
	if err != nil {
		return protocol.Report{}, fmt.Errorf("read phone: %w", err)
	}
	if obs.ObservedAt.IsZero() {
		obs.ObservedAt = a.cfg.Now()
	}
	return Assess(obs, AssessOptions{ShowAccountNames: a.cfg.ShowAccountNames}), nil
}

// Run connects to the broker and serves until ctx ends, then marks the device
// offline and disconnects.
func (a *Agent) Run(ctx context.Context) error {
	station, err := a.cfg.station()
	if err != nil {
		return err
	}
	first := a.checkOrUnknown(ctx, protocol.Identity{})
	id := a.cfg.DeviceID
	if id == "" {
		id = first.Device.Serial
	}
	if id == "" {
		return ErrNoDeviceID
	}
	topics, err := newDeviceTopics(id)
	if err != nil {
		return err
	}
	s := &session{
		a: a, id: id, topics: topics, station: station,
		cmds:        make(chan protocol.Command, 64),
		reconnected: make(chan struct{}, 1),
		last:        first,
		log:         a.log.With(slog.String(LogDevice, id)),
	}
	return s.run(ctx)
}

// checkOrUnknown never fails: a phone that cannot be read yields a report
// whose only risk is unknown, carrying the last identity known.
func (a *Agent) checkOrUnknown(ctx context.Context, known protocol.Identity) protocol.Report {
	r, err := a.Check(ctx)
	if err == nil {
		return r
	}
	a.log.Warn("phone unreadable", "err", err)
	return UnreadableReport(known, "phone", "phone did not answer: "+err.Error(), a.cfg.Now())
}

// UnreadableReport is the report of a phone that could not be read: its one
// risk is unknown (check and evidence say why), and Find Device and lost
// mode are unknown, so that a reader of safe_to_reset and risks alone still
// sees that nothing is known. known is the identity known so far.
func UnreadableReport(known protocol.Identity, check, evidence string, now time.Time) protocol.Report {
	return protocol.Report{
		Device:     known,
		Risks:      []protocol.Risk{{Kind: protocol.RiskUnknown, Check: check, Evidence: evidence}},
		FindDevice: protocol.TriUnknown,
		LostMode:   protocol.TriUnknown,
		CheckedAt:  now.UTC(),
	}
}

// Log attribute keys.
const (
	LogDevice  = "device"
	LogCommand = "cmd_id"
	LogTopic   = "topic"
)

type deviceTopics struct{ state, presence, commands, events string }

func newDeviceTopics(id string) (deviceTopics, error) {
	var t deviceTopics
	var err error
	for _, p := range []struct {
		dst *string
		ch  protocol.Channel
	}{{&t.state, protocol.ChannelState}, {&t.presence, protocol.ChannelPresence},
		{&t.commands, protocol.ChannelCommands}, {&t.events, protocol.ChannelEvents}} {
		if *p.dst, err = protocol.DeviceTopic(id, p.ch); err != nil {
			return t, fmt.Errorf("device id %q: %w", id, err)
		}
	}
	return t, nil
}
