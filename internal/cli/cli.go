// Package cli is the plumbing the command-line programs share: their
// streams (with terminal detection), how an error becomes an exit status,
// the usage error, the logger made from --log-level, and the CA pool made
// from a PEM file. What each exit status means stays with each program.
package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// ErrUsage marks errors in how a command was called; programs exit with
// their usage code for it.
var ErrUsage = errors.New("usage")

// NewLogger is a text logger on w at level (debug, info, warn or error).
func NewLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: %w", ErrUsage, level, err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// TrustTLS is a client TLS configuration (1.2 or later) that trusts only the
// certificates in the PEM file named by flag; nil for an empty file name,
// which means the system roots.
func TrustTLS(flag, file string) (*tls.Config, error) {
	if file == "" {
		return nil, nil
	}
	pemCerts, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", flag, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCerts) {
		return nil, fmt.Errorf("%w: %s %s holds no PEM certificate", ErrUsage, flag, file)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
