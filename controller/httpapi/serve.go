package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/netutil"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/internal/loopback"
)

// ServeConfig says where and how the API is served. Like controller.Config,
// it knows nothing of flags or files.
type ServeConfig struct {
	// Listen is the API's address; Listener, when set, is used instead
	// (tests pass one on port 0).
	Listen   string
	Listener net.Listener
	// TLSCert and TLSKey are PEM files; when both are set the API is served
	// over HTTPS (TLS 1.2 or later) only.
	TLSCert string
	TLSKey  string
	// Insecure allows serving without TLS on an address other than
	// loopback; Serve refuses that otherwise, and warns with it.
	Insecure bool
	// MaxConns caps the concurrent connections (0: 256); more wait in the
	// listen queue, so an HTTP flood cannot take the file descriptors the
	// broker needs. Live event streams may hold a quarter of them
	// (controller.StreamCap; pass it as Config.MaxEventStreams).
	MaxConns int
	// MaxConnsPerAddr caps the connections one remote address holds (0:
	// half of MaxConns, twice what all live event streams may hold); more
	// from it wait, unserved, until one of its own closes, so no one caller
	// fills the pool.
	MaxConnsPerAddr int
	// ReadTimeout bounds reading one request, body included (0: 30 s); a
	// client dribbling a body is cut there. Write and idle timeouts are
	// derived from it.
	ReadTimeout time.Duration
	// Metrics, when set, is served at /metrics (viewer token) and sees every
	// route's requests; MetricsListen, when set, also serves it there
	// without a token: loopback only, unless the API has TLS or Insecure is
	// set.
	Metrics       Metrics
	MetricsListen string
	Logger        *slog.Logger
}

// Metrics is what serving needs of the metrics (controller/metrics builds
// one): their handler, and a middleware that sees each route's requests.
type Metrics interface {
	http.Handler
	Middleware(Route, http.Handler) http.Handler
}

var (
	// ErrInsecureHTTP: the API would answer beyond loopback in plain HTTP.
	ErrInsecureHTTP = errors.New("the HTTP API would listen beyond loopback without TLS")
	// ErrMetricsListen: the tokenless metrics listener was asked for an
	// address it may not use.
	ErrMetricsListen = errors.New("bad metrics listen address")
)

// maxHeaderBytes bounds a request's header block; the API's requests carry
// a few short headers.
const maxHeaderBytes = 16 << 10

// Server serves a controller's API and console, and the tokenless metrics
// listener when asked. Listen binds its addresses, Serve starts answering;
// Close stops it.
type Server struct {
	cfg       ServeConfig
	log       *slog.Logger
	tls       bool
	tlsCfg    *tls.Config
	ln        net.Listener
	srv       *http.Server
	metricsLn net.Listener
	metrics   *http.Server
	// stop ends every request's context (live streams end with it), so that
	// Shutdown need not wait for them.
	stop context.CancelFunc
	wg   sync.WaitGroup
	once sync.Once
}

// Serve listens and serves c's API as cfg says (Listen, then Serve).
func Serve(c *controller.Controller, cfg ServeConfig) (*Server, error) {
	s, err := Listen(cfg)
	if err != nil {
		return nil, err
	}
	s.Serve(c)
	return s, nil
}

// Listen checks cfg and binds the API's address (and the metrics'), before
// there is a controller to serve: the controller is told these ports
// (controller.Config.OwnPorts) so that no webhook posts to them.
func Listen(cfg ServeConfig) (_ *Server, err error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8080"
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 256
	}
	if cfg.MaxConnsPerAddr <= 0 {
		cfg.MaxConnsPerAddr = max(1, cfg.MaxConns/2)
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	tlsCfg, err := loadTLS(cfg)
	if err != nil {
		return nil, err
	}
	s.tls = tlsCfg != nil
	addr := cfg.Listen
	if cfg.Listener != nil {
		addr = cfg.Listener.Addr().String()
	}
	if err := s.checkExposure(addr, tlsCfg); err != nil {
		return nil, err
	}
	if s.ln = cfg.Listener; s.ln == nil {
		if s.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return nil, listenError("http", cfg.Listen, err)
		}
	}
	if err := s.listenMetrics(tlsCfg); err != nil {
		return nil, err
	}
	s.tlsCfg = tlsCfg
	return s, nil
}

// Ports are the ports Listen bound: the API's and the metrics listener's.
func (s *Server) Ports() []int {
	var ports []int
	for _, ln := range []net.Listener{s.ln, s.metricsLn} {
		if ln == nil {
			continue
		}
		if tcp, ok := ln.Addr().(*net.TCPAddr); ok {
			ports = append(ports, tcp.Port)
		}
	}
	return ports
}

// Serve starts answering on the bound addresses with c's API and console
// (and the metrics). It returns at once; Close stops it.
func (s *Server) Serve(c *controller.Controller) {
	var mw []Middleware
	var metrics http.Handler
	if s.cfg.Metrics != nil {
		mw, metrics = append(mw, s.cfg.Metrics.Middleware), s.cfg.Metrics
	}
	base, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.srv = s.newHTTPServer(newHandler(c, metrics, mw...))
	s.srv.BaseContext = func(net.Listener) context.Context { return base }
	s.serve("http api", s.srv, s.ln)
	if s.metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", onlyLoopbackHosts(s.cfg.Metrics))
		s.metrics = s.newHTTPServer(mux)
		s.serve("metrics listener", s.metrics, s.metricsLn)
	}
	s.log.Info("http api serving", "api", s.URL())
}

// URL is the API's base URL.
func (s *Server) URL() string { return s.base(s.ln) }

// MetricsURL is the base URL of the separate metrics listener, or "" when
// there is none.
func (s *Server) MetricsURL() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.base(s.metricsLn)
}

func (s *Server) base(ln net.Listener) string {
	if s.tls {
		return "https://" + ln.Addr().String()
	}
	return "http://" + ln.Addr().String()
}

// Close stops serving: requests in flight get a few seconds, live streams
// end at once. It is bounded and idempotent.
func (s *Server) Close() error {
	var errs []error
	s.once.Do(func() {
		if s.stop != nil {
			s.stop()
		}
		for _, srv := range []*http.Server{s.srv, s.metrics} {
			if srv == nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
				// Shutdown waits for requests in flight, and for connections
				// that never sent one (an HTTP client may dial a spare); past
				// the grace they are cut, which is what a bounded close means.
				s.log.Warn("http connections still open at shutdown were closed")
				_ = srv.Close() // its only error would be the listener Shutdown already closed
			} else {
				errs = append(errs, err)
			}
			cancel()
		}
		if s.srv == nil && s.ln != nil && s.cfg.Listener == nil {
			s.ln.Close() // listened, never served
		}
		if s.metrics == nil && s.metricsLn != nil {
			s.metricsLn.Close()
		}
		s.wg.Wait()
	})
	return errors.Join(errs...)
}

// serve runs srv on ln until Close: at most MaxConns connections at once
// (the listener limiter makes the rest wait in the kernel's queue), at most
// MaxConnsPerAddr of them from one remote address (see addrLimitListener),
// and TLS when configured.
func (s *Server) serve(name string, srv *http.Server, ln net.Listener) {
	perAddr := newAddrLimitListener(ln, s.cfg.MaxConnsPerAddr, s.cfg.MaxConns)
	srv.ConnState = perAddr.connState
	ln = netutil.LimitListener(perAddr, s.cfg.MaxConns)
	if s.tlsCfg != nil {
		ln = tls.NewListener(ln, s.tlsCfg)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error(name+" stopped", "err", err)
		}
	}()
}

// loadTLS reads the API's certificate and key; nil when neither is set.
func loadTLS(cfg ServeConfig) (*tls.Config, error) {
	if cfg.TLSCert == "" && cfg.TLSKey == "" {
		return nil, nil
	}
	if cfg.TLSCert == "" || cfg.TLSKey == "" {
		return nil, fmt.Errorf("%w: the API's certificate needs its key and its key its certificate", controller.ErrTLSConfig)
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s and %s: %w", controller.ErrTLSConfig, cfg.TLSCert, cfg.TLSKey, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// checkExposure refuses plain HTTP beyond loopback unless the config says
// it is meant, and warns then.
func (s *Server) checkExposure(addr string, tlsCfg *tls.Config) error {
	if tlsCfg != nil || controller.IsLoopback(addr) {
		return nil
	}
	if !s.cfg.Insecure {
		return fmt.Errorf("%w (%s): API tokens and device credentials would cross the network in clear; give a certificate, listen on 127.0.0.1, or accept the risk explicitly", ErrInsecureHTTP, addr)
	}
	s.log.Warn("the HTTP API listens beyond loopback without TLS: API tokens and enrollment answers cross the network in clear", "addr", addr)
	return nil
}

// newHTTPServer is a server with bounded header, body, write and idle
// times and a header size cap; serve adds the connection limits.
func (s *Server) newHTTPServer(handler http.Handler) *http.Server {
	read := s.cfg.ReadTimeout
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(5*time.Second, read),
		ReadTimeout:       read,
		WriteTimeout:      read + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		TLSConfig:         s.tlsCfg,
	}
}

// listenMetrics binds MetricsListen, where the metrics are served alone,
// without a token: loopback only, unless the API's certificate is given (it
// is served with it) or Insecure accepts plain HTTP.
func (s *Server) listenMetrics(tlsCfg *tls.Config) error {
	addr := s.cfg.MetricsListen
	if addr == "" {
		return nil
	}
	if s.cfg.Metrics == nil {
		return fmt.Errorf("%w %s: the controller has no metrics", ErrMetricsListen, addr)
	}
	if tlsCfg == nil && !controller.IsLoopback(addr) {
		if !s.cfg.Insecure {
			return fmt.Errorf("%w %s: without TLS the tokenless metrics listen on loopback only; give the API's certificate, listen on 127.0.0.1, or accept the risk explicitly", ErrMetricsListen, addr)
		}
		s.log.Warn("metrics listen beyond loopback without TLS or token", "addr", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listenError("metrics", addr, err)
	}
	s.metricsLn = ln
	return nil
}

// onlyLoopbackHosts refuses, with 421, a request that reached a loopback
// address under another host name: a web page whose name was re-pointed at
// 127.0.0.1 (DNS rebinding) must not read the fleet's counts from a
// tokenless listener.
func onlyLoopbackHosts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback.HostAllowed(r) {
			http.Error(w, "this host name is not this controller", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func listenError(listener, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return &controller.AddrInUseError{Listener: listener, Addr: addr, Err: err}
	}
	return fmt.Errorf("%s listen on %s: %w", listener, addr, err)
}
