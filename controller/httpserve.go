package controller

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// ErrInsecureHTTP: the API would answer beyond loopback in plain HTTP.
var ErrInsecureHTTP = errors.New("the HTTP API would listen beyond loopback without TLS")

// maxHeaderBytes bounds a request's header block; the API's requests carry
// a few short headers.
const maxHeaderBytes = 16 << 10

// loadHTTPTLS reads the API's certificate and key; nil when neither is set.
func loadHTTPTLS(cfg Config) (*tls.Config, error) {
	if cfg.HTTPTLSCert == "" && cfg.HTTPTLSKey == "" {
		return nil, nil
	}
	if cfg.HTTPTLSCert == "" || cfg.HTTPTLSKey == "" {
		return nil, fmt.Errorf("%w: the API's certificate needs its key and its key its certificate", ErrTLSConfig)
	}
	cert, err := tls.LoadX509KeyPair(cfg.HTTPTLSCert, cfg.HTTPTLSKey)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s and %s: %w", ErrTLSConfig, cfg.HTTPTLSCert, cfg.HTTPTLSKey, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// IsLoopback reports whether a listen address (host:port) only answers on
// this machine: 127.0.0.0/8, ::1 or "localhost". An empty host or
// 0.0.0.0 answers on every interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkHTTPExposure refuses plain HTTP beyond loopback unless the config
// says it is meant, and warns then.
func (c *Controller) checkHTTPExposure(addr string, tlsCfg *tls.Config) error {
	if tlsCfg != nil || IsLoopback(addr) {
		return nil
	}
	if !c.cfg.InsecureHTTP {
		return fmt.Errorf("%w (%s): API tokens and device credentials would cross the network in clear; give a certificate, listen on 127.0.0.1, or accept the risk explicitly", ErrInsecureHTTP, addr)
	}
	c.log.Warn("the HTTP API listens beyond loopback without TLS: API tokens and enrollment answers cross the network in clear", "addr", addr)
	return nil
}

// anonymousBodyTimeout bounds reading the body of a request that carries
// no API token or session (enrollment, sign-in): theirs are a few hundred
// bytes, and a caller dribbling one must not hold a connection for the
// whole HTTPReadTimeout.
const anonymousBodyTimeout = 5 * time.Second

// LimitAnonymousBody bounds the body of a request from a caller not known
// yet: at most limit bytes, all read within anonymousBodyTimeout of now.
// Both the API's public routes and the console's sign-in forms call it
// before reading.
func LimitAnonymousBody(w http.ResponseWriter, r *http.Request, limit int64) {
	// An error means the connection cannot take a deadline (a test's
	// recorder); the server's own read timeout still holds.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(anonymousBodyTimeout))
	r.Body = http.MaxBytesReader(w, r.Body, limit)
}

// newHTTPServer is the API's server: bounded header, body, write and idle
// times, a header size cap, at most HTTPMaxConns connections at once (the
// listener limiter makes the rest wait in the kernel's queue), and at most
// HTTPMaxConnsPerAddr of them from one remote address (see
// addrLimitListener).
func (c *Controller) newHTTPServer(handler http.Handler, ln net.Listener, tlsCfg *tls.Config) (*http.Server, net.Listener) {
	read := c.cfg.HTTPReadTimeout
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(5*time.Second, read),
		ReadTimeout:       read,
		WriteTimeout:      read + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		TLSConfig:         tlsCfg,
	}
	perAddr := newAddrLimitListener(ln, c.cfg.HTTPMaxConnsPerAddr, c.cfg.HTTPMaxConns)
	srv.ConnState = perAddr.connState
	ln = netutil.LimitListener(perAddr, c.cfg.HTTPMaxConns)
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	return srv, ln
}
