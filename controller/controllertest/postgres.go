package controllertest

import (
	"path/filepath"
	"testing"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/internal/pgtest"
)

// PostgresRegistry returns the URL of a fresh, empty PostgreSQL database on
// the test package's throwaway server (internal/pgtest; the package's
// TestMain must end with pgtest.Run, which stops it). Controllers started
// OnPostgres with the same URL share one registry.
func PostgresRegistry(t testing.TB) string {
	t.Helper()
	return pgtest.NewDatabase(t)
}

// OnPostgres configures a controller on the PostgreSQL registry at url (a
// fresh database when url is empty), with its signing key in a temporary
// directory of its own:
//
//	c := controllertest.Start(t, controllertest.OnPostgres(t, ""))
func OnPostgres(t testing.TB, url string) func(*controller.Config) {
	t.Helper()
	if url == "" {
		url = PostgresRegistry(t)
	}
	keyDir := t.TempDir()
	return func(cfg *controller.Config) {
		cfg.DBPath = url
		cfg.KeyPath = filepath.Join(keyDir, "controller.key")
	}
}
