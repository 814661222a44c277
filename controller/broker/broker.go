// Package broker runs the MQTT broker the controller embeds by default
// (mochi-mqtt), speaking MQTT 3.1.1 and 5 over TCP. Agents and the controller
// reach it with ordinary MQTT connections, so an external broker such as
// Mosquitto can take its place without code changes.
//
// Access is decided by one Authorizer. The default, NamespaceOnly, lets any
// client connect and confines publishing and subscribing to Unbind device
// topics. Retained messages live in memory only: agents re-publish their
// state and presence on every reconnect, so a broker restart loses nothing
// that matters.
package broker

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// ErrAddrInUse is wrapped by Start when the listen address is taken by
// another process; errors.Is(err, syscall.EADDRINUSE) holds as well.
var ErrAddrInUse = errors.New("address already in use")

// Config configures the broker. Start never reads flags, files or the
// environment; cmd translates those into a Config.
type Config struct {
	// Addr is the TCP listen address, e.g. "127.0.0.1:1883". It is ignored
	// when Listener is set.
	Addr string
	// Listener is an already open listener (tests pass 127.0.0.1:0). The
	// broker owns it from Start on and closes it on Close.
	Listener net.Listener
	// Logger receives the broker's own messages; mochi's are passed through
	// at warning level and above only, with packet contents removed.
	Logger *slog.Logger
	// Auth decides who may connect and which topics they may use. Nil means
	// NamespaceOnly.
	Auth Authorizer
	// TLS, when set, makes the listener speak MQTT over TLS only (it needs
	// at least one certificate); a plain MQTT client is then refused.
	TLS *tls.Config
	// CloseGrace is how long Close lets clients disconnect politely before
	// it cuts their connections; 0 means DefaultCloseGrace. Tests shorten it.
	CloseGrace time.Duration
	// MaxClients bounds the connected clients; one more is refused with
	// "server unavailable" (MQTT 5: "server busy") and a log line. Zero
	// means DefaultMaxClients of the file descriptors this process may open.
	MaxClients int
}

// Broker is a running embedded broker.
type Broker struct {
	srv   *mqtt.Server
	ln    *tcpListener
	log   *slog.Logger
	local *localDelivery // the subscribers inside the process (Subscribe)
	hooks []mqtt.Hook    // exactly what Start registered, kept for tests

	closeGrace time.Duration
	stopWatch  func() bool // cancels the close-on-ctx-done callback
	closeOnce  sync.Once
	closeErr   error
}

const (
	listenerID = "tcp"
	// DefaultCloseGrace is how long Close lets mochi say goodbye to clients
	// before it cuts their connections; a client that stopped reading would
	// otherwise hold a write, and so Close, until its keepalive runs out.
	DefaultCloseGrace = 2 * time.Second
	// connectTimeout bounds how long a new connection may take to send
	// CONNECT; mochi itself would wait forever and Close with it.
	connectTimeout = 10 * time.Second
)

// Start opens the listener (unless one is given), starts the broker and
// returns once it accepts connections. The broker runs until Close is called
// or ctx is done, whichever comes first.
func Start(ctx context.Context, cfg Config) (*Broker, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	auth := cfg.Auth
	if auth == nil {
		auth = NamespaceOnly{}
	}

	ln := cfg.Listener
	if err := ctx.Err(); err != nil {
		if ln != nil {
			_ = ln.Close()
		}
		return nil, fmt.Errorf("start broker: %w", err)
	}
	if ln == nil {
		if cfg.Addr == "" {
			return nil, errors.New("start broker: no listen address")
		}
		var lc net.ListenConfig
		l, err := lc.Listen(ctx, "tcp", cfg.Addr)
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				err = addrInUseError{err}
			}
			return nil, fmt.Errorf("start broker on %s: %w", cfg.Addr, err)
		}
		ln = l
	}
	if cfg.TLS != nil && len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil {
		_ = ln.Close()
		return nil, errors.New("start broker: TLS config has no certificate")
	}
	tl := newTCPListener(ln, connectTimeout, log)
	tl.tls = cfg.TLS

	maxClients := cfg.MaxClients
	fdLimit := RaiseFileLimit()
	if maxClients <= 0 {
		maxClients = DefaultMaxClients(fdLimit)
	}
	if fdLimit > 0 && uint64(maxClients)+fdReserve > fdLimit {
		log.Warn("mqtt client cap is above what the file descriptor limit allows: clients past the limit will fail to connect; raise the hard limit (ulimit -Hn, LimitNOFILE=) or lower --max-clients",
			"max_clients", maxClients, "fd_limit", fdLimit, "fits", DefaultMaxClients(fdLimit))
	}
	refused := newRefusalLog(log, time.Now, "mqtt connect refused")
	tl.full = func(remote string) {
		refused.refused(remote, "", fmt.Sprintf("the broker holds its maximum of %d clients (--max-clients)", maxClients))
	}

	srv := mqtt.New(&mqtt.Options{
		Capabilities:             capabilities(maxClients),
		ClientNetWriteBufferSize: writeBuffer,
		ClientNetReadBufferSize:  readBuffer,
		Logger:                   slog.New(newQuietHandler(log.Handler(), slog.LevelWarn)),
		// $SYS topics cannot be subscribed to through the ACL; refresh them
		// rarely, since each refresh stops the world to read memory stats.
		SysTopicResendInterval: sysTopicInterval,
		// The controller publishes in-process (Publish), with no session
		// of its own; it hears the broker through a hook (Subscribe).
		InlineClient: true,
	})
	hook := newAuthHook(auth, log)
	hook.live = func(username, clientID string) int { return liveSessions(srv, username, clientID) }
	local := &localDelivery{}
	b := &Broker{
		srv:   srv,
		ln:    tl,
		log:   log,
		local: local,
		hooks: []mqtt.Hook{hook, local},

		closeGrace: cmp.Or(cfg.CloseGrace, DefaultCloseGrace),
	}
	if err := b.serve(); err != nil {
		_ = tl.stopAccepting()
		return nil, fmt.Errorf("start broker on %s: %w", tl.Address(), err)
	}
	b.stopWatch = context.AfterFunc(ctx, func() { _ = b.shutdown() })
	log.Info("mqtt broker listening", keyAddr, tl.Address(), "max_clients", maxClients, "fd_limit", fdLimit)
	return b, nil
}

func (b *Broker) serve() error {
	for _, h := range b.hooks {
		if err := b.srv.AddHook(h, nil); err != nil {
			return fmt.Errorf("add hook %s: %w", h.ID(), err)
		}
	}
	if err := b.srv.AddListener(b.ln); err != nil {
		return fmt.Errorf("add listener: %w", err)
	}
	if err := b.srv.Serve(); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// Addr is the address the broker listens on.
func (b *Broker) Addr() net.Addr { return b.ln.ln.Addr() }

// URL is the address as an MQTT broker URL for clients on this host, e.g.
// "tcp://127.0.0.1:1883", or "ssl://127.0.0.1:8883" with TLS. A wildcard
// listen address is given as loopback.
func (b *Broker) URL() string { return brokerURL(b.Addr(), b.ln.tls != nil) }

func brokerURL(addr net.Addr, withTLS bool) string {
	scheme := "tcp://"
	if withTLS {
		// paho's name for MQTT over TLS; it also accepts tls:// and mqtts://.
		scheme = "ssl://"
	}
	if ta, ok := addr.(*net.TCPAddr); ok && (ta.IP == nil || ta.IP.IsUnspecified()) {
		return fmt.Sprintf("%s127.0.0.1:%d", scheme, ta.Port)
	}
	return scheme + addr.String()
}

// Close stops accepting connections, disconnects every client and waits for
// the broker's goroutines. It returns within a few seconds even if clients
// misbehave, may be called more than once, and is safe after ctx is done.
func (b *Broker) Close() error {
	if b.stopWatch != nil {
		b.stopWatch()
	}
	return b.shutdown()
}

func (b *Broker) shutdown() error {
	b.closeOnce.Do(func() {
		// Stop accepting first, so that the clients said goodbye to below
		// are all there will be.
		if err := b.ln.stopAccepting(); err != nil && !errors.Is(err, net.ErrClosed) {
			b.closeErr = fmt.Errorf("close broker listener %s: %w", b.ln.Address(), err)
		}
		polite := make(chan struct{})
		go func() {
			defer close(polite)
			// Not Clients.GetByListener: in mochi v2.7.9 it takes the read
			// lock twice (through Len), which deadlocks when a client being
			// attached waits for the write lock in between. GetAll locks once.
			for _, cl := range b.srv.Clients.GetAll() {
				if cl.Net.Listener == listenerID && !cl.Closed() {
					_ = b.srv.DisconnectClient(cl, packets.ErrServerShuttingDown)
				}
			}
			<-b.ln.waitConns()
		}()
		timer := time.NewTimer(b.closeGrace)
		defer timer.Stop()
		select {
		case <-polite:
		case <-timer.C:
			b.log.Warn("mqtt clients slow to disconnect, closing their connections", keyOpen, b.ln.open())
			b.ln.closeConns()
			<-polite
		}
		// With no connection left, mochi's Close only stops its event loop.
		_ = b.srv.Close() // always nil in mochi v2.7.9
		b.log.Info("mqtt broker stopped", keyAddr, b.ln.Address())
	})
	return b.closeErr
}

// addrInUseError keeps the operating system's error (for its message and
// for errors.Is(err, syscall.EADDRINUSE)) while also matching ErrAddrInUse.
type addrInUseError struct{ err error }

func (e addrInUseError) Error() string        { return e.err.Error() }
func (e addrInUseError) Unwrap() error        { return e.err }
func (e addrInUseError) Is(target error) bool { return target == ErrAddrInUse }

// Disconnect ends at once every session logged in as username (a revoked or
// replaced credential) and returns how many it ended. The credential check
// decides whether they may come back; Disconnect only cuts what is open.
// liveSessions counts username's open sessions other than clientID's (a
// client reconnecting with its own ID replaces its old session, so that one
// does not count against it).
func liveSessions(srv *mqtt.Server, username, clientID string) int {
	n := 0
	for _, cl := range srv.Clients.GetAll() {
		if string(cl.Properties.Username) == username && cl.ID != clientID && !cl.Closed() {
			n++
		}
	}
	return n
}

func (b *Broker) Disconnect(username string) int {
	n := 0
	for _, cl := range b.srv.Clients.GetAll() {
		if string(cl.Properties.Username) != username || cl.Closed() {
			continue
		}
		_ = b.srv.DisconnectClient(cl, packets.ErrNotAuthorized)
		n++
	}
	if n > 0 {
		b.log.Info("mqtt sessions of a revoked or replaced login ended", keySessions, n)
	}
	return n
}
