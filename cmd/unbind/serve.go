package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/metrics"
	"github.com/unbind/unbind/internal/cli"
)

type serveOptions struct {
	DBPath     string
	MQTTListen string
	// AdvertiseBroker is the broker URL enrollment hands to phones.
	AdvertiseBroker string
	HTTPListen      string
	BrokerURL       string
	BrokerUser      string
	BrokerPass      string
	TLSCert         string
	TLSKey          string
	// HTTPTLSCert and HTTPTLSKey serve the API over HTTPS; InsecureHTTP
	// allows plain HTTP beyond loopback.
	HTTPTLSCert  string
	HTTPTLSKey   string
	InsecureHTTP bool
	LogLevel     string
	// MaxReportAge and CommandTTL tune the reset interlock and command expiry.
	MaxReportAge time.Duration
	MaxClients   int
	CommandTTL   time.Duration
	// MetricsListen serves /metrics without a token (loopback unless TLS).
	MetricsListen string
	// ConfigFile holds flag values in TOML (see applyConfigFile).
	ConfigFile string
}

func defaultDBPath() string {
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "unbind", "registry.db")
	}
	return "unbind-registry.db"
}

func (o *serveOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.ConfigFile, "config", "", "read flag values from this TOML file (keys named like the flags); flags and environment override it")
	f.StringVar(&o.DBPath, "db", defaultDBPath(), "SQLite registry file")
	f.StringVar(&o.MQTTListen, "mqtt-listen", "127.0.0.1:1883", "address of the embedded MQTT broker")
	f.StringVar(&o.AdvertiseBroker, "advertise-broker", "", "broker URL handed to enrolling phones, e.g. tcp://192.168.1.20:1883 (needed when --mqtt-listen is 0.0.0.0)")
	f.StringVar(&o.HTTPListen, "http-listen", "127.0.0.1:8080", "address of the HTTP API")
	f.StringVar(&o.BrokerURL, "broker", "", "use this external MQTT broker (tcp://HOST:PORT) instead of the embedded one")
	f.StringVar(&o.BrokerUser, "broker-username", "", "the controller's login on the external broker (env UNBIND_BROKER_USERNAME)")
	f.StringVar(&o.BrokerPass, "broker-password", "", "the controller's password on the external broker (env UNBIND_BROKER_PASSWORD)")
	f.StringVar(&o.TLSCert, "mqtt-tls-cert", "", "PEM certificate: the embedded broker then speaks MQTT over TLS only (needs --mqtt-tls-key)")
	f.StringVar(&o.TLSKey, "mqtt-tls-key", "", "PEM private key of --mqtt-tls-cert")
	f.StringVar(&o.HTTPTLSCert, "http-tls-cert", "", "PEM certificate: the HTTP API is then served over HTTPS only (needs --http-tls-key)")
	f.StringVar(&o.HTTPTLSKey, "http-tls-key", "", "PEM private key of --http-tls-cert")
	f.BoolVar(&o.InsecureHTTP, "insecure-http", false, "allow --http-listen beyond loopback without TLS (tokens and device credentials cross the network in clear)")
	f.IntVar(&o.MaxClients, "max-clients", 0, "most MQTT clients the embedded broker holds; 0 fits the open-file limit (raised to its hard value at start)")
	f.DurationVar(&o.MaxReportAge, "max-report-age", 2*time.Minute, "a factory reset needs a safe report received at most this long ago")
	f.DurationVar(&o.CommandTTL, "command-ttl", 15*time.Minute, "how long a command stays valid after it is issued")
	f.StringVar(&o.MetricsListen, "metrics-listen", "", "also serve /metrics here without a token, e.g. 127.0.0.1:9465 (loopback only unless the API has TLS); on the API it needs a viewer token")
	f.StringVar(&o.LogLevel, "log-level", "info", "debug, info, warn or error")
}

func (o *serveOptions) config(logger *slog.Logger) controller.Config {
	m := metrics.New(metrics.Options{})
	return controller.Config{
		DBPath: o.DBPath, MQTTListen: o.MQTTListen, HTTPListen: o.HTTPListen, BrokerURL: o.BrokerURL, AdvertiseBroker: o.AdvertiseBroker,
		MQTTTLSCert: o.TLSCert, MQTTTLSKey: o.TLSKey, HTTPTLSCert: o.HTTPTLSCert, HTTPTLSKey: o.HTTPTLSKey, InsecureHTTP: o.InsecureHTTP, MaxReportAge: o.MaxReportAge, CommandTTL: o.CommandTTL, MaxClients: o.MaxClients,
		BrokerUsername: orEnv(o.BrokerUser, "UNBIND_BROKER_USERNAME"), BrokerPassword: orEnv(o.BrokerPass, "UNBIND_BROKER_PASSWORD"),
		Logger: logger, Version: version,
		Metrics: m, MetricsListen: o.MetricsListen,
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
