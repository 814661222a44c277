package controller

import (
	"errors"
	"fmt"
	"net"
	"net/url"
)

// ErrAdvertise: the broker address enrollment would hand to phones is one
// they cannot reach, or is not a broker URL.
var ErrAdvertise = errors.New("broker address for phones")

// advertisedBrokerURL is what enrollment and monitor logins hand out: the
// configured AdvertiseBroker, else the URL the controller itself uses.
func (c *Controller) advertisedBrokerURL() string {
	if c.cfg.AdvertiseBroker != "" {
		return c.cfg.AdvertiseBroker
	}
	return c.BrokerURL()
}

// checkAdvertise refuses, before anything starts, a configuration that
// would tell phones to connect to their own loopback: an embedded broker
// listening on every interface with nothing advertised (its own URL then
// says 127.0.0.1), or an advertised loopback address while the broker
// listens beyond loopback.
func checkAdvertise(cfg Config) error {
	listenHost := ""
	if cfg.BrokerURL == "" && cfg.MQTTListen != "" {
		if h, _, err := net.SplitHostPort(cfg.MQTTListen); err == nil {
			listenHost = h
		}
	}
	beyondLoopback := listenHost != "" && !isLoopbackHost(listenHost)
	if cfg.AdvertiseBroker == "" {
		if beyondLoopback && isUnspecified(listenHost) {
			return fmt.Errorf("%w: the embedded broker listens on every interface (%s), so phones would be told 127.0.0.1; pass --advertise-broker tcp://HOST:PORT (ssl:// with TLS) with an address the phones reach", ErrAdvertise, cfg.MQTTListen)
		}
		return nil
	}
	u, err := url.Parse(cfg.AdvertiseBroker)
	if err != nil || u.Hostname() == "" || u.Port() == "" {
		return fmt.Errorf("%w %q: want tcp://HOST:PORT or ssl://HOST:PORT", ErrAdvertise, cfg.AdvertiseBroker)
	}
	switch u.Scheme {
	case "tcp", "ssl", "tls", "mqtt", "mqtts":
	default:
		return fmt.Errorf("%w %q: scheme %q is not an MQTT scheme (tcp, ssl)", ErrAdvertise, cfg.AdvertiseBroker, u.Scheme)
	}
	if beyondLoopback && isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%w %q: a loopback address, but the broker listens on %s for phones elsewhere; give an address the phones reach", ErrAdvertise, cfg.AdvertiseBroker, cfg.MQTTListen)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isUnspecified(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// plainMQTTRisk says why the broker URL phones are given would carry their
// MQTT passwords in clear across the network: a tcp:// (or mqtt://) URL
// whose host is not loopback. "" when there is no such risk. The
// controller warns and goes on: a bench LAN without certificates is a
// common setup, chosen with its risk (see the security model).
func plainMQTTRisk(cfg Config, advertised string) string {
	u, err := url.Parse(advertised)
	if err != nil || isLoopbackHost(u.Hostname()) {
		return ""
	}
	switch u.Scheme {
	case "tcp", "mqtt":
		return fmt.Sprintf("phones are told %s: plain MQTT beyond loopback, so each phone's password and reports cross the network in clear; give the broker a certificate (--mqtt-tls-cert, --mqtt-tls-key) and advertise ssl://", advertised)
	}
	return ""
}
