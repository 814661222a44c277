package controller

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/unbind/unbind/api"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/keys"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/webhooks"
	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// Config configures a Controller. It knows nothing of flags or files.
type Config struct {
	// DBPath is the registry: an SQLite file, or a postgres:// URL
	// (registry.IsPostgresURL), which several controllers may share.
	DBPath string
	// KeyPath is the controller's ed25519 key; empty means "controller.key"
	// beside an SQLite DBPath (a PostgreSQL registry needs it set). It is
	// created on first start.
	KeyPath string
	// BrokerURL selects an external broker; empty embeds one on MQTTListen.
	// The embedded broker admits enrolled devices and the controller only,
	// with the per-device ACL of broker.DeviceAuth; an external broker's
	// logins and ACL are its own business, and BrokerUsername and
	// BrokerPassword are the controller's login there.
	BrokerURL string
	// Mosquitto, with BrokerURL, has the controller write that Mosquitto's
	// logins and ACL from the registry (see MosquittoFiles).
	Mosquitto MosquittoFiles
	// AdvertiseBroker is the broker URL enrollment hands to phones (and
	// monitor logins to their users); empty means the controller's own.
	AdvertiseBroker string
	BrokerUsername  string
	BrokerPassword  string
	MQTTListen      string
	// MQTTTLSCert and MQTTTLSKey are PEM files; when both are set the
	// embedded broker accepts MQTT over TLS (1.2 or later) only, and agents
	// must trust the certificate's CA. They cannot be used with BrokerURL.
	MQTTTLSCert string
	MQTTTLSKey  string
	// MQTTListener, when set, is used instead of MQTTListen (tests pass a
	// listener on port 0).
	MQTTListener net.Listener
	// OwnPorts are the ports of the controller's own listeners besides the
	// broker (the HTTP API's, the metrics'): webhooks never post to them.
	// The broker's port is added at start.
	OwnPorts []int
	// MaxEventStreams caps the live event streams held at once, for every
	// operator together (0: StreamCap of the API's default 256
	// connections).
	MaxEventStreams int
	// BrokerCloseGrace bounds how long closing the embedded broker waits for
	// clients to disconnect politely; 0 means broker.DefaultCloseGrace.
	BrokerCloseGrace time.Duration
	// BatchSize bounds the updates written in one transaction. After a write
	// that was not full, the ingester waits FlushInterval for more to gather.
	BatchSize     int
	FlushInterval time.Duration
	// CommandTTL is how long a command stays valid after it is issued.
	CommandTTL time.Duration
	// ReleaseTimeout is how long a release may take by default before the
	// phone is given up as still bound.
	ReleaseTimeout time.Duration
	// MaxReportAge bounds how old a "safe" report may be when a factory
	// reset is issued.
	MaxReportAge time.Duration
	// MaxClients caps the embedded broker's clients; zero fits the file
	// descriptor limit, whose soft value is raised to the hard one at start
	// (see broker.Config.MaxClients).
	MaxClients int
	// ObserveBatch, when set, is told the size and duration of every
	// registry write of the ingester (controller/metrics). It must not
	// block.
	ObserveBatch func(updates int, took time.Duration)
	Logger       *slog.Logger
	Version      string
	// Now is the controller's clock: every deadline, expiry and record is
	// against it (time.Now when nil).
	Now func() time.Time
	// Ticks, when set, runs the controller's time-driven passes at once for
	// each Tick received, besides their own wall-clock timers: a test that
	// moved Now on ticks instead of waiting (controllertest.Clock).
	Ticks <-chan Tick

	// Webhooks bounds webhook retries and attempts; zero fields take the
	// defaults of webhooks.Policy.
	Webhooks webhooks.Policy
	// ShareGroup, when set, makes this controller one of several sharing one
	// registry (PostgreSQL) and one external broker: it reads the agents
	// through the shared subscription $share/ShareGroup/..., so the broker
	// hands each message to one controller of the group, and the registry's
	// order rules make the result the same whichever one wrote it.
	ShareGroup string
	// Instance names this controller among those sharing its registry: its
	// MQTT client ID ends with it and it owns release leases under it. It is
	// required with ShareGroup and must differ between them; alone, the
	// controller needs none.
	Instance string

	// WebhookAllowLoopback lets webhooks post to this machine's loopback
	// (tests, development); by default a webhook URL on loopback is refused
	// (see webhooks.Destinations).
	WebhookAllowLoopback bool
}

func (c *Config) setDefaults() {
	if c.MQTTListen == "" {
		c.MQTTListen = "127.0.0.1:1883"
	}
	if c.MaxEventStreams <= 0 {
		c.MaxEventStreams = StreamCap(256)
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 256
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = 20 * time.Millisecond
	}
	if c.CommandTTL <= 0 {
		c.CommandTTL = 15 * time.Minute
	}
	if c.ReleaseTimeout <= 0 {
		c.ReleaseTimeout = 30 * time.Minute
	}
	if c.MaxReportAge <= 0 {
		c.MaxReportAge = 2 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// AddrInUseError reports a listen address that another process holds.
type AddrInUseError struct {
	// Listener is "mqtt", "http" or "metrics".
	Listener string
	Addr     string
	Err      error
}

func (e *AddrInUseError) Error() string {
	return fmt.Sprintf("%s address %s is already in use", e.Listener, e.Addr)
}

func (e *AddrInUseError) Unwrap() error { return e.Err }

// controllerClientID is the controller's MQTT client ID at an external
// broker.
const controllerClientID = broker.ControllerClientID

// bus carries messages between the controller and its agents.
type bus interface {
	Subscribe(ctx context.Context, filter string, qos byte, h func(topic string, payload []byte)) error
	Publish(ctx context.Context, topic string, qos byte, retained bool, payload []byte) error
}

// Controller is a running controller. Close stops it.
type Controller struct {
	cfg    Config
	log    *slog.Logger
	reg    *registry.Store
	key    ed25519.PrivateKey
	broker *broker.Broker // nil with an external broker
	// bus is how the controller hears its agents and talks to them: the
	// embedded broker in-process, or a session with an external broker.
	bus  bus
	conn *mqttconn.Conn // the external broker's session; nil when embedded
	// brokerFiles keeps an external Mosquitto's logins; nil otherwise.
	brokerFiles *brokerFiles
	stats       *counters
	// enrollGuard limits failed enrollments per remote address.
	enrollGuard *enrollGuard
	ingest      *ingester
	// releaseWake collects the devices whose reports or events were written,
	// so that their releases move on at once.
	releaseWake *deviceSet
	// dispatchWake asks the dispatcher to look at waiting commands now
	// (capacity 1: wakes coalesce).
	dispatchWake chan struct{}
	// releaseTicks and dispatchTicks hand the loops Config.Ticks.
	releaseTicks, dispatchTicks chan passRequest
	// releaseMu keeps the release loop and operators' cancels apart.
	releaseMu sync.Mutex
	// certMu makes a certificate's check and store one step.
	certMu sync.Mutex
	// leases are the release leases this controller holds (see leased).
	leases *leaseBook
	// events tells consoles what changed (see Subscribe).
	events *eventHub
	// feed tells the other controllers of a share group what this one
	// wrote; nil alone (see announce).
	feed *clusterFeed

	cancel context.CancelFunc
	// runCtx ends when the controller closes (for work started later).
	runCtx context.Context
	wg     sync.WaitGroup
	once   sync.Once
}

// Start opens the registry, starts or reaches the broker and subscribes to
// every agent. It returns once all of that is up. Serving the HTTP API is
// controller/httpapi's (httpapi.Serve).
func Start(ctx context.Context, cfg Config) (_ *Controller, err error) {
	cfg.setDefaults()
	c := &Controller{cfg: cfg, log: cfg.Logger, stats: newCounters(), enrollGuard: newEnrollGuard(), events: newEventHub(cfg.MaxEventStreams)}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	tlsCfg, err := loadBrokerTLS(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.KeyPath == "" && registry.IsPostgresURL(cfg.DBPath) {
		return nil, errors.New("start controller: a PostgreSQL registry needs KeyPath: there is no registry file for the signing key to sit beside")
	}
	if cfg.KeyPath == "" {
		cfg.KeyPath = filepath.Join(filepath.Dir(cfg.DBPath), "controller.key")
		c.cfg.KeyPath = cfg.KeyPath
	}
	if c.key, err = keys.LoadOrCreate(cfg.KeyPath); err != nil {
		return nil, err
	}
	if err := checkAdvertise(cfg); err != nil {
		return nil, err
	}
	if err := checkCluster(cfg); err != nil {
		return nil, err
	}
	if c.reg, err = registry.Open(ctx, cfg.DBPath, registry.Options{Logger: cfg.Logger}); err != nil {
		return nil, err // it names the file
	}
	brokerURL, mqttUser, mqttPassword := cfg.BrokerURL, cfg.BrokerUsername, cfg.BrokerPassword
	var serverTLS, clientTLS *tls.Config
	if tlsCfg != nil {
		serverTLS, clientTLS = tlsCfg.server, tlsCfg.client
	}
	if brokerURL == "" {
		// The broker lives until Close, not until the start-up context ends.
		// The controller itself has no login: it subscribes and publishes
		// inside the process (see broker.Subscribe).
		auth := broker.NewDeviceAuth(&brokerCredentials{c: c})
		c.broker, err = broker.Start(context.WithoutCancel(ctx), broker.Config{Addr: cfg.MQTTListen, Listener: cfg.MQTTListener, Logger: cfg.Logger, Auth: auth, TLS: serverTLS, CloseGrace: cfg.BrokerCloseGrace, MaxClients: cfg.MaxClients})
		if err != nil {
			return nil, listenError("mqtt", cfg.MQTTListen, err)
		}
		brokerURL = c.broker.URL()
	}

	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel, c.runCtx = cancel, runCtx
	if cfg.Mosquitto.enabled() {
		// Before dialling: the controller's own login is in these files.
		if c.brokerFiles, err = newBrokerFiles(cfg, c.reg, c.log); err != nil {
			return nil, err
		}
		if err := c.brokerFiles.first(ctx); err != nil {
			return nil, err
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.brokerFiles.run(runCtx)
		}()
	}
	c.releaseWake = newDeviceSet()
	c.leases = newLeaseBook()
	c.dispatchWake = make(chan struct{}, 1)
	c.releaseTicks, c.dispatchTicks = make(chan passRequest), make(chan passRequest)
	// Before ingest starts: it announces what it writes.
	if err := c.startClusterFeed(runCtx); err != nil {
		return nil, fmt.Errorf("controller: follow the other controllers: %w", err)
	}
	if err := c.registerLogin(ctx); err != nil {
		return nil, fmt.Errorf("controller: record the broker login: %w", err)
	}
	c.ingest = newIngester(c.reg, c.log, c.stats, cfg.BatchSize, cfg.FlushInterval)
	c.ingest.observe = cfg.ObserveBatch
	// Releases look at every write (a repeated report may be the fresh one a
	// release waits for); live views only at changes; the dispatcher when a
	// device came online (its queued commands can go).
	c.ingest.applied = func(ids, changed, cameOnline map[string]struct{}) {
		c.releaseWake.add(ids)
		c.events.devices(EventDevice, changed)
		c.announce(changeDevice, ids)
		if len(cameOnline) > 0 {
			c.wakeDispatch()
		}
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.ingest.run(runCtx)
	}()

	if c.broker != nil {
		c.bus = c.broker
	} else {
		c.conn, err = mqttconn.Dial(ctx, mqttconn.Options{
			BrokerURL: brokerURL, TLSConfig: clientTLS, ClientID: c.clientID(), CleanSession: c.cleanSession(), Logger: c.log,
			// receive never blocks, so handling messages in order costs
			// nothing and keeps one device's reports from overtaking each
			// other.
			OrderMatters: true,
			// Retained messages read again on a takeover (rereadRetained)
			// that arrive after their subscription was left.
			Default:  c.retainedChange(runCtx),
			Username: mqttUser, Password: mqttPassword,
		})
		if err != nil {
			return nil, fmt.Errorf("controller: %w", err)
		}
		c.bus = c.conn
	}
	for _, ch := range []protocol.Channel{protocol.ChannelPresence, protocol.ChannelState, protocol.ChannelEvents} {
		if err := c.bus.Subscribe(ctx, c.reportFilter(ch), 1, c.receive(runCtx)); err != nil {
			return nil, fmt.Errorf("controller: %w", err)
		}
	}

	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.runDispatch(runCtx)
	}()
	if cfg.Ticks != nil {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			forwardTicks(runCtx, cfg.Ticks, c.releaseTicks, c.dispatchTicks)
		}()
	}
	c.wg.Add(2)
	go func() {
		defer c.wg.Done()
		c.runReleases(runCtx)
	}()
	go func() {
		defer c.wg.Done()
		c.keepLeases(runCtx)
	}()
	c.startWebhooks(runCtx)
	if risk := plainMQTTRisk(cfg, c.advertisedBrokerURL()); risk != "" {
		c.log.Warn("broker address for phones is not encrypted: " + risk)
	}
	c.log.Info("controller started", "broker", brokerURL, "registry", registry.Redact(cfg.DBPath))
	return c, nil
}

// receive hands a message to the ingester, which never blocks: the broker
// gets its acknowledgement at once and never has to drop a message for a
// slow controller (see ingester).
func (c *Controller) receive(context.Context) func(string, []byte) {
	return func(topic string, payload []byte) {
		c.ingest.offer(inbound{topic: topic, payload: payload, receivedAt: c.cfg.Now().UTC()})
	}
}

func listenError(listener, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, broker.ErrAddrInUse) {
		return &AddrInUseError{Listener: listener, Addr: addr, Err: err}
	}
	return fmt.Errorf("%s listen on %s: %w", listener, addr, err)
}

// BrokerURL is the URL agents connect to.
func (c *Controller) BrokerURL() string {
	if c.broker != nil {
		return c.broker.URL()
	}
	return c.cfg.BrokerURL
}

// PublicKey is the key agents and certificate readers trust.
func (c *Controller) PublicKey() ed25519.PublicKey { return c.key.Public().(ed25519.PublicKey) }

// Registry gives read access to the registry (and write access to tests).
func (c *Controller) Registry() *registry.Store { return c.reg }

// Stats reports what the ingest path has done so far.
func (c *Controller) Stats() api.IngestStats { return c.stats.snapshot() }

// Close stops the MQTT session, the ingester (flushing its batch) and the
// broker, then closes the registry; live event streams end. It is bounded and idempotent.
func (c *Controller) Close() error {
	var errs []error
	c.once.Do(func() {
		if c.conn != nil {
			c.conn.Close(250 * time.Millisecond)
		}
		if c.cancel != nil {
			c.cancel()
		}
		c.wg.Wait()
		c.events.close()
		if c.broker != nil {
			errs = append(errs, c.broker.Close())
		}
		if c.reg != nil {
			errs = append(errs, c.reg.Close())
		}
	})
	return errors.Join(errs...)
}
