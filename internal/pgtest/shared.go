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

// templates are the package's prepared databases, by name.
var templates struct {
	mu    sync.Mutex
	ready map[string]*templateDB
}

type templateDB struct {
	once sync.Once
	err  error
}

// NewDatabaseFrom returns the URL of a fresh database that starts as a copy
// of the template called name, which prepare fills once per package run
// (migrating a schema, say) given the template's URL. prepare must close
// every connection it opened: a template in use cannot be copied.
func NewDatabaseFrom(t testing.TB, name string, prepare func(url string) error) string {
	t.Helper()
	srv := sharedServer(t)
	templates.mu.Lock()
	if templates.ready == nil {
		templates.ready = map[string]*templateDB{}
	}
	tpl, ok := templates.ready[name]
	if !ok {
		tpl = &templateDB{}
		templates.ready[name] = tpl
	}
	templates.mu.Unlock()
	tpl.once.Do(func() {
		ctx := context.Background()
		if _, err := srv.admin.ExecContext(ctx, `CREATE DATABASE `+quoteIdent(name)); err != nil {
			tpl.err = fmt.Errorf("create template %s: %w", name, err)
			return
		}
		if err := prepare(srv.URL(name)); err != nil {
			tpl.err = fmt.Errorf("prepare template %s: %w", name, err)
		}
	})
	if tpl.err != nil {
		t.Fatalf("pgtest: %v", tpl.err)
	}
	u, err := srv.CreateDatabaseFrom(context.Background(), name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
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
	u, err := sharedServer(t).CreateDatabase(context.Background())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// sharedServer is the package's server, started on first use.
func sharedServer(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		shared.srv, shared.err = Start(context.Background())
	})
	if shared.err != nil {
		t.Fatalf("pgtest: %v", shared.err)
	}
	return shared.srv
}
