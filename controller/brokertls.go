package controller

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
)

// ErrTLSConfig means the MQTT TLS settings are incomplete or do not apply.
var ErrTLSConfig = errors.New("mqtt tls")

// brokerTLS holds both ends of the embedded broker's TLS: the listener's
// configuration and the one the controller's own session dials it with.
type brokerTLS struct {
	server, client *tls.Config
}

// loadBrokerTLS reads the certificate and key named in cfg. It returns nil
// when neither is set.
func loadBrokerTLS(cfg Config) (*brokerTLS, error) {
	if cfg.MQTTTLSCert == "" && cfg.MQTTTLSKey == "" {
		return nil, nil
	}
	if cfg.MQTTTLSCert == "" || cfg.MQTTTLSKey == "" {
		return nil, fmt.Errorf("%w: a certificate needs its key and a key its certificate", ErrTLSConfig)
	}
	if cfg.BrokerURL != "" {
		return nil, fmt.Errorf("%w: the certificate is for the embedded broker, but an external one is set", ErrTLSConfig)
	}
	cert, err := tls.LoadX509KeyPair(cfg.MQTTTLSCert, cfg.MQTTTLSKey)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s and %s: %w", ErrTLSConfig, cfg.MQTTTLSCert, cfg.MQTTTLSKey, err)
	}
	leaf := cert.Certificate[0]
	return &brokerTLS{
		server: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		client: &tls.Config{
			MinVersion: tls.VersionTLS12,
			// The controller dials its own broker on loopback, where the
			// certificate's names (meant for agents) need not match and its
			// CA need not be at hand. Pinning the exact certificate it
			// serves is stricter than name and chain checks, so those are
			// replaced, not dropped.
			InsecureSkipVerify: true, //nolint:gosec // VerifyConnection pins the certificate
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, leaf) {
					return errors.New("embedded broker presented a certificate other than its own")
				}
				return nil
			},
		},
	}, nil
}
