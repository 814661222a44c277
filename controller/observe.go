package controller

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/unbind/unbind/internal/loopback"
)

// Metrics is what the controller needs of its metrics (controller/metrics
// builds one): told of ingest batches as they are written, handed the
// running controller to read at scrape time, and served at /metrics (on the
// API with a viewer token, and on MetricsListen without one).
type Metrics interface {
	// ObserveBatch is called after every registry write of the ingester
	// with its size and how long it took. It must not block.
	ObserveBatch(updates int, took time.Duration)
	// Attach is called once, when the controller is up and before the API
	// serves.
	Attach(*Controller)
	http.Handler
}

// MetricsHandler serves the metrics, or 404 when the controller has none.
func (c *Controller) MetricsHandler() http.Handler {
	if c.cfg.Metrics == nil {
		return http.NotFoundHandler()
	}
	return c.cfg.Metrics
}

// IngestPending is how many decoded messages wait for the registry writer:
// the ingest queue's depth.
func (c *Controller) IngestPending() int {
	if c.ingest == nil {
		return 0
	}
	c.ingest.mu.Lock()
	defer c.ingest.mu.Unlock()
	return len(c.ingest.queue) + len(c.ingest.states)
}

// BrokerClients is how many MQTT clients the embedded broker holds now; ok
// is false with an external broker.
func (c *Controller) BrokerClients() (n int64, ok bool) {
	if c.broker == nil {
		return 0, false
	}
	return c.broker.ClientsConnected(), true
}

// MetricsURL is the base URL of the separate metrics listener, or "" when
// there is none.
func (c *Controller) MetricsURL() string {
	if c.metricsLn == nil {
		return ""
	}
	if c.httpTLS {
		return "https://" + c.metricsLn.Addr().String()
	}
	return "http://" + c.metricsLn.Addr().String()
}

// ErrMetricsListen: the tokenless metrics listener was asked for an
// address it may not use.
var ErrMetricsListen = errors.New("bad metrics listen address")

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

// startMetricsListener serves the metrics alone, without a token, on
// MetricsListen: loopback only, unless the API's certificate is given (it
// is served with it) or InsecureHTTP accepts plain HTTP.
func (c *Controller) startMetricsListener(httpTLS *tls.Config) error {
	addr := c.cfg.MetricsListen
	if addr == "" {
		return nil
	}
	if c.cfg.Metrics == nil {
		return fmt.Errorf("%w %s: the controller has no metrics", ErrMetricsListen, addr)
	}
	if httpTLS == nil && !IsLoopback(addr) {
		if !c.cfg.InsecureHTTP {
			return fmt.Errorf("%w %s: without TLS the tokenless metrics listen on loopback only; give the API's certificate, listen on 127.0.0.1, or accept the risk explicitly", ErrMetricsListen, addr)
		}
		c.log.Warn("metrics listen beyond loopback without TLS or token", "addr", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listenError("metrics", addr, err)
	}
	c.metricsLn = ln
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", onlyLoopbackHosts(c.cfg.Metrics))
	srv, serveLn := c.newHTTPServer(mux, ln, httpTLS)
	c.metricsSrv = srv
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		if err := srv.Serve(serveLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("metrics listener stopped", "err", err)
		}
	}()
	return nil
}
