package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

// shared is the package's one server, started by the first NewDatabase.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Run runs the package's tests and then stops the shared server, if a test
// started it. Use it from TestMain: os.Exit(pgtest.Run(m)).
func Run(m *testing.M) int {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	return code
}

// NewDatabase returns the URL of a fresh, empty database on the package's
// shared server, starting the server on first use. It fails the test when
// PostgreSQL cannot be started.
func NewDatabase(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		shared.srv, shared.err = Start(context.Background())
	})
	if shared.err != nil {
		t.Fatalf("pgtest: %v", shared.err)
	}
	u, err := shared.srv.CreateDatabase(context.Background())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}
