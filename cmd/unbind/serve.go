package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/metrics"
	"github.com/unbind/unbind/internal/cli"
)

// applyMemoryLimit sets the runtime's soft memory limit from --memory-limit
// and returns the limit in force (math.MaxInt64: none). "0" lifts any limit,
// GOMEMLIMIT's included.
func applyMemoryLimit(s string) (int64, error) {
	if s == "" {
		return debug.SetMemoryLimit(-1), nil
	}
	n, err := cli.ParseByteSize(s)
	if err != nil {
		return 0, fmt.Errorf("%w: --memory-limit: %w", errUsage, err)
	}
	if n == 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		return math.MaxInt64, nil
	}
	if n < 64<<20 {
		return 0, fmt.Errorf("%w: --memory-limit %s is below 64MiB, too little for the controller", errUsage, s)
	}
	debug.SetMemoryLimit(n)
	return n, nil
}

func (o *serveOptions) config(logger *slog.Logger) controller.Config {
	m := metrics.New(metrics.Options{})
	return controller.Config{
		DBPath: o.DBPath, MQTTListen: o.MQTTListen, HTTPListen: o.HTTPListen, BrokerURL: o.BrokerURL, AdvertiseBroker: o.AdvertiseBroker,
		MQTTTLSCert: o.TLSCert, MQTTTLSKey: o.TLSKey, HTTPTLSCert: o.HTTPTLSCert, HTTPTLSKey: o.HTTPTLSKey, InsecureHTTP: o.InsecureHTTP, MaxReportAge: o.MaxReportAge, CommandTTL: o.CommandTTL, MaxClients: o.MaxClients,
		BrokerUsername: orEnv(o.BrokerUser, "UNBIND_BROKER_USERNAME"), BrokerPassword: orEnv(o.BrokerPass, "UNBIND_BROKER_PASSWORD"),
		Logger: logger, Version: version,
		Metrics: m, MetricsListen: o.MetricsListen, WebhookAllowLoopback: o.WebhookAllowLoopback,
		API: func(c *controller.Controller) http.Handler { return httpapi.New(c, m.Middleware) },
	}
}

func newServeCmd(io streams, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the controller: registry, embedded MQTT broker and HTTP API",
		Example: `  unbind serve
  unbind serve --broker tcp://10.0.0.5:1883 --db /var/lib/unbind/registry.db
  unbind serve --config /etc/unbind/unbind.toml
  unbind serve --mqtt-listen 0.0.0.0:8883 --advertise-broker ssl://192.168.1.20:8883 \
    --mqtt-tls-cert broker.pem --mqtt-tls-key broker-key.pem \
    --http-listen 0.0.0.0:8443 --http-tls-cert api.pem --http-tls-key api-key.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.ConfigFile != "" {
				if err := applyConfigFile(cmd.Flags(), opts.ConfigFile, os.Getenv); err != nil {
					return fmt.Errorf("%w: %w", errUsage, err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), io, opts)
		},
	}
	opts.addFlags(cmd)
	return cmd
}

func serveRun(ctx context.Context, io streams, opts *serveOptions) error {
	logger, err := newLogger(io, opts.LogLevel)
	if err != nil {
		return err
	}
	limit, err := applyMemoryLimit(opts.MemoryLimit)
	if err != nil {
		return err
	}
	if limit != math.MaxInt64 {
		logger.Info("memory limit", "bytes", limit)
	}
	c, err := startController(ctx, opts.config(logger))
	if err != nil {
		return err
	}
	defer c.Close()
	tokenPath, err := ensureLocalToken(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "unbind controller %s\n  MQTT broker: %s\n  HTTP API:    %s\n  console:     %s/ (sign in: unbind console)\n", version, c.BrokerURL(), c.APIURL(), c.APIURL())
	if u := c.MetricsURL(); u != "" {
		fmt.Fprintf(io.Out, "  metrics:     %s/metrics\n", u)
	}
	fmt.Fprintf(io.Out, "  registry:    %s\n  admin token: %s\nCtrl-C stops it.\n", opts.DBPath, tokenPath)
	<-ctx.Done()
	fmt.Fprintln(io.Out, "stopping")
	return nil
}

// startController turns a taken port into one line that names the flag.
func startController(ctx context.Context, cfg controller.Config) (*controller.Controller, error) {
	c, err := controller.Start(ctx, cfg)
	var inUse *controller.AddrInUseError
	if errors.As(err, &inUse) {
		flag := map[string]string{"mqtt": "--mqtt-listen", "http": "--http-listen", "metrics": "--metrics-listen"}[inUse.Listener]
		return nil, fmt.Errorf("%s is already in use; pass %s with another address", inUse.Addr, flag)
	}
	return c, err
}

func newLogger(io streams, level string) (*slog.Logger, error) {
	return cli.NewLogger(io.Err, level)
}

func orEnv(v, key string) string {
	if v != "" {
		return v
	}
	return os.Getenv(key)
}
