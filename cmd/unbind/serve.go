package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
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
	// WebhookAllowLoopback lets webhooks post to this machine (development).
	WebhookAllowLoopback bool
	LogLevel             string
	// MaxReportAge and CommandTTL tune the reset interlock and command expiry.
	MaxReportAge time.Duration
	MaxClients   int
	CommandTTL   time.Duration
	// MetricsListen serves /metrics without a token (loopback unless TLS).
	MetricsListen string
	// ConfigFile holds flag values in TOML (see applyConfigFile).
	ConfigFile string
	// MemoryLimit is the Go runtime's soft memory limit, as written on the
	// command line ("1.5GiB"); empty leaves the runtime's own (GOMEMLIMIT).
	MemoryLimit string
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
	f.BoolVar(&o.WebhookAllowLoopback, "webhook-allow-loopback", false, "let webhooks post to this machine's loopback addresses (development and tests; the controller's own ports stay refused)")
	f.IntVar(&o.MaxClients, "max-clients", 0, "most MQTT clients the embedded broker holds; 0 fits the open-file limit (raised to its hard value at start)")
	f.DurationVar(&o.MaxReportAge, "max-report-age", 2*time.Minute, "a factory reset needs a safe report received at most this long ago")
	f.DurationVar(&o.CommandTTL, "command-ttl", 15*time.Minute, "how long a command stays valid after it is issued")
	f.StringVar(&o.MetricsListen, "metrics-listen", "", "also serve /metrics here without a token, e.g. 127.0.0.1:9465 (loopback only unless the API has TLS); on the API it needs a viewer token")
	f.StringVar(&o.LogLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&o.MemoryLimit, "memory-limit", "", "soft memory limit of the controller process, e.g. 1.5GiB or 800MiB: the garbage collector runs more often as it nears it (default: GOMEMLIMIT if set; 0: none)")
}

// parseByteSize reads a size such as "1.5GiB", "800MiB", "64KiB" or a plain
// number of bytes. Units are binary; "GB" and the like are refused rather
// than guessed.
func parseByteSize(s string) (int64, error) {
	num := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v*float64(mult) >= 1<<62 {
		return 0, fmt.Errorf("memory size %q: want a number of bytes with an optional KiB, MiB, GiB or TiB, such as 1.5GiB", s)
	}
	return int64(v * float64(mult)), nil
}

// applyMemoryLimit sets the runtime's soft memory limit from --memory-limit
// and returns the limit in force (math.MaxInt64: none). "0" lifts any limit,
// GOMEMLIMIT's included.
func applyMemoryLimit(s string) (int64, error) {
	if s == "" {
		return debug.SetMemoryLimit(-1), nil
	}
	n, err := parseByteSize(s)
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
