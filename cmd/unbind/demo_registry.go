//go:build sim

package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
)

// removeRegistry deletes the demo's SQLite registry and its journal files,
// holding the registry's lock meanwhile: a registry another process holds
// (a demo already running) is refused with registry.ErrInUse and left
// whole.
func removeRegistry(path string) (err error) {
	unlock, err := registry.Lock(path)
	if err != nil {
		return fmt.Errorf("empty demo registry: %w", err)
	}
	defer func() { err = errors.Join(err, unlock()) }()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("empty demo registry %s: %w", path, err)
		}
	}
	return nil
}

// demoPhoneTLS makes the simulated phones trust the broker's own certificate
// when the demo runs it with TLS.
func demoPhoneTLS(certFile string) (*tls.Config, error) {
	return cli.TrustTLS("--mqtt-tls-cert", certFile)
}
