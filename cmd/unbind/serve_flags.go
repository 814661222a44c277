package main

import (
	"cmp"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/controller/registry"
)

type serveOptions struct {
	DBPath string
	// Registry, when set, is the registry instead of DBPath: an SQLite
	// file or a postgres:// URL.
	Registry   string
	MQTTListen string
	// AdvertiseBroker is the broker URL enrollment hands to phones.
	AdvertiseBroker string
	HTTPListen      string
	BrokerURL       string
	BrokerUser      string
	BrokerPass      string
	// Mosquitto* are the files the controller keeps for an external
	// Mosquitto (controller.MosquittoFiles).
	MosquittoPasswordFile, MosquittoACLFile, MosquittoPIDFile string
	TLSCert                                                   string
	TLSKey                                                    string
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
	// ShareGroup and Instance make this controller one of several on one
	// registry and broker (controller.Config.ShareGroup).
	ShareGroup string
	Instance   string
	// MemoryLimit is the Go runtime's soft memory limit, as written on the
	// command line ("1.5GiB"); empty leaves the runtime's own (GOMEMLIMIT).
	MemoryLimit string
}

// registry is where the registry is: --registry, else --db.
func (o *serveOptions) registry() string {
	return cmp.Or(o.Registry, o.DBPath)
}

// keyPath is the signing key's file: beside an SQLite registry (the
// controller's default), or where the default registry would be when the
// registry is in PostgreSQL.
func (o *serveOptions) keyPath() string {
	if registry.IsPostgresURL(o.registry()) {
		return filepath.Join(filepath.Dir(defaultDBPath()), "controller.key")
	}
	return ""
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
	f.StringVar(&o.Registry, "registry", "", "the registry: an SQLite file, or a PostgreSQL URL postgres://USER@HOST/DB (password from PGPASSWORD or ~/.pgpass); replaces --db")
	f.StringVar(&o.MQTTListen, "mqtt-listen", "127.0.0.1:1883", "address of the embedded MQTT broker")
	f.StringVar(&o.AdvertiseBroker, "advertise-broker", "", "broker URL handed to enrolling phones, e.g. tcp://192.168.1.20:1883 (needed when --mqtt-listen is 0.0.0.0)")
	f.StringVar(&o.HTTPListen, "http-listen", "127.0.0.1:8080", "address of the HTTP API")
	f.StringVar(&o.BrokerURL, "broker", "", "use this external MQTT broker (tcp://HOST:PORT) instead of the embedded one")
	f.StringVar(&o.BrokerUser, "broker-username", "", "the controller's login on the external broker (env UNBIND_BROKER_USERNAME)")
	f.StringVar(&o.BrokerPass, "broker-password", "", "the controller's password on the external broker (env UNBIND_BROKER_PASSWORD)")
	f.StringVar(&o.MosquittoPasswordFile, "mosquitto-password-file", "", "with --broker on Mosquitto: write its password_file here from the registry (needs --mosquitto-acl-file)")
	f.StringVar(&o.MosquittoACLFile, "mosquitto-acl-file", "", "with --broker on Mosquitto: write its acl_file here from the access rules")
	f.StringVar(&o.MosquittoPIDFile, "mosquitto-pid-file", "", "Mosquitto's pid_file: signal it (SIGHUP) to reload after each write; empty leaves reloading to the system (docs/deploy/mosquitto.md)")
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
	f.StringVar(&o.ShareGroup, "share-group", "", "run as one of several controllers on one registry and one external broker, sharing the agents' messages through this MQTT share group (needs --broker and --instance)")
	f.StringVar(&o.Instance, "instance", "", "this controller's name among those of --share-group, different on each (letters, digits, '.', '_', '-')")
	f.StringVar(&o.LogLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&o.MemoryLimit, "memory-limit", "", "soft memory limit of the controller process, e.g. 1.5GiB or 800MiB: the garbage collector runs more often as it nears it (default: GOMEMLIMIT if set; 0: none)")
}
