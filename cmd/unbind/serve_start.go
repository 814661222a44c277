package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/metrics"
)

// running is a controller with its API served (and its metrics).
type running struct {
	*controller.Controller
	api *httpapi.Server
}

// APIURL is the served API's base URL.
func (r *running) APIURL() string { return r.api.URL() }

// MetricsURL is the tokenless metrics listener's base URL, or "".
func (r *running) MetricsURL() string { return r.api.MetricsURL() }

// Close stops serving, then the controller.
func (r *running) Close() error { return errors.Join(r.api.Close(), r.Controller.Close()) }

// startController wires what `unbind serve` runs: the controller, its
// metrics and the HTTP API serving both. A taken port becomes one line that
// names the flag.
func startController(ctx context.Context, opts *serveOptions, logger *slog.Logger) (*running, error) {
	m := metrics.New(metrics.Options{})
	scfg := opts.serveConfig(logger)
	scfg.Metrics = m
	srv, err := httpapi.Listen(scfg)
	if err != nil {
		return nil, inUseError(err)
	}
	cfg := opts.config(logger)
	cfg.ObserveBatch = m.ObserveBatch
	cfg.OwnPorts = srv.Ports() // no webhook may post to them
	c, err := controller.Start(ctx, cfg)
	if err != nil {
		srv.Close()
		return nil, inUseError(err)
	}
	m.Attach(c)
	srv.Serve(c)
	return &running{Controller: c, api: srv}, nil
}

func inUseError(err error) error {
	var inUse *controller.AddrInUseError
	if errors.As(err, &inUse) {
		flag := map[string]string{"mqtt": "--mqtt-listen", "http": "--http-listen", "metrics": "--metrics-listen"}[inUse.Listener]
		return fmt.Errorf("%s is already in use; pass %s with another address", inUse.Addr, flag)
	}
	return err
}
