package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/registry"
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

// config is the controller's part of the options.
func (o *serveOptions) config(logger *slog.Logger) controller.Config {
	return controller.Config{
		DBPath: o.registry(), KeyPath: o.keyPath(), MQTTListen: o.MQTTListen, BrokerURL: o.BrokerURL, AdvertiseBroker: o.AdvertiseBroker,
		MQTTTLSCert: o.TLSCert, MQTTTLSKey: o.TLSKey, MaxReportAge: o.MaxReportAge, CommandTTL: o.CommandTTL, MaxClients: o.MaxClients,
		BrokerUsername: orEnv(o.BrokerUser, "UNBIND_BROKER_USERNAME"), BrokerPassword: orEnv(o.BrokerPass, "UNBIND_BROKER_PASSWORD"),
		Mosquitto: controller.MosquittoFiles{PasswordFile: o.MosquittoPasswordFile, ACLFile: o.MosquittoACLFile, PIDFile: o.MosquittoPIDFile},
		Logger:    logger, Version: version,
		WebhookAllowLoopback: o.WebhookAllowLoopback,
		ShareGroup:           o.ShareGroup, Instance: o.Instance,
	}
}

// serveConfig is the HTTP API's part of the options.
func (o *serveOptions) serveConfig(logger *slog.Logger) httpapi.ServeConfig {
	return httpapi.ServeConfig{Listen: o.HTTPListen, TLSCert: o.HTTPTLSCert, TLSKey: o.HTTPTLSKey, Insecure: o.InsecureHTTP,
		MetricsListen: o.MetricsListen, Logger: logger}
}

func newServeCmd(io streams, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the controller: registry, embedded MQTT broker and HTTP API",
		Example: `  unbind serve
  unbind serve --broker tcp://10.0.0.5:1883 --db /var/lib/unbind/registry.db
  PGPASSWORD=… unbind serve --registry postgres://unbind@db.example/unbind
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
			if opts.Registry != "" && cmd.Flags().Changed("db") {
				return fmt.Errorf("%w: --registry and --db both name the registry; give one", errUsage)
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
	c, err := startController(ctx, opts, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	tokenPath, err := ensureLocalToken(ctx, c.Controller, c.APIURL())
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "unbind controller %s\n  MQTT broker: %s\n  HTTP API:    %s\n  console:     %s/ (sign in: unbind console)\n", version, c.BrokerURL(), c.APIURL(), c.APIURL())
	if u := c.MetricsURL(); u != "" {
		fmt.Fprintf(io.Out, "  metrics:     %s/metrics\n", u)
	}
	fmt.Fprintf(io.Out, "  registry:    %s\n  admin token: %s\nCtrl-C stops it.\n", registry.Redact(opts.registry()), tokenPath)
	<-ctx.Done()
	fmt.Fprintln(io.Out, "stopping")
	return nil
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
