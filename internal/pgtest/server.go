package pgtest

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// ErrNotInstalled: no PostgreSQL server binaries were found.
var ErrNotInstalled = errors.New("PostgreSQL is not installed (run scripts/install-deps.sh, which installs Debian's postgresql)")

// startTimeout bounds initdb plus the server's start; a healthy start takes
// about a second.
const startTimeout = 60 * time.Second

// readyLine is what the server logs once it accepts connections.
const readyLine = "database system is ready to accept connections"

// Server is one running PostgreSQL server, owned by whoever started it.
type Server struct {
	dir     string // data directory and socket directory live under it
	sockDir string
	cmd     *exec.Cmd
	exited  chan struct{}
	log     *logBuffer
	admin   *sql.DB

	mu sync.Mutex
	n  int // databases created so far
}

// BinDir finds the directory holding initdb and postgres: $PG_BIN when set,
// else the newest /usr/lib/postgresql/*/bin (Debian), else the PATH.
func BinDir() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "postgres")); err == nil {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNotInstalled
}

// Start initialises a data directory in a new temporary directory and runs
// a server on it until Stop.
func Start(ctx context.Context) (_ *Server, err error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	// Short: a Unix socket path is limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "pgtest")
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	s := &Server{dir: dir, sockDir: filepath.Join(dir, "s"), exited: make(chan struct{}), log: &logBuffer{}}
	defer func() {
		if err != nil {
			_ = s.Stop()
		}
	}()
	owner, err := serverUser()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	for _, d := range []string{s.sockDir, data} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, fmt.Errorf("start postgres: %w", err)
		}
	}
	if err := owner.own(dir, s.sockDir, data); err != nil {
		return nil, err
	}

	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	owner.apply(initdb)
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb in %s: %w: %s", data, err, strings.TrimSpace(string(out)))
	}

	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", s.sockDir,
		"-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=32MB", "-c", "max_connections=300")
	owner.apply(s.cmd)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	ready := make(chan struct{})
	go s.log.copy(stderr, ready) // ends when the server closes its stderr
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	select {
	case <-ready:
	case <-s.exited:
		s.cmd = nil
		return nil, fmt.Errorf("postgres exited while starting: %s", s.log.String())
	case <-ctx.Done():
		return nil, fmt.Errorf("postgres did not start: %w: %s", ctx.Err(), s.log.String())
	}
	s.admin, err = sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := s.admin.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return s, nil
}

// PID is the server's main process (the postmaster); its backends are its
// children. A benchmark reads their CPU and memory through /proc.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// URL is the connection URL of database name: the socket directory as host,
// the superuser "postgres", no password (trust).
func (s *Server) URL(name string) string {
	q := url.Values{"host": {s.sockDir}, "user": {"postgres"}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", Path: "/" + name, RawQuery: q.Encode()}).String()
}

// CreateDatabase creates a new, empty database and returns its URL.
func (s *Server) CreateDatabase(ctx context.Context) (string, error) {
	return s.CreateDatabaseFrom(ctx, "template1")
}

// CreateDatabaseFrom creates a new database as a copy of template (which
// nobody may be connected to) and returns its URL. Copying a prepared
// database (a migrated schema) is much cheaper than preparing each one.
func (s *Server) CreateDatabaseFrom(ctx context.Context, template string) (string, error) {
	s.mu.Lock()
	s.n++
	name := fmt.Sprintf("t%d", s.n)
	s.mu.Unlock()
	// FILE_COPY copies the files and checkpoints, which costs nothing with
	// fsync off; the default (WAL_LOG) writes the whole copy to the WAL.
	if _, err := s.admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+quoteIdent(template)+` STRATEGY FILE_COPY`); err != nil {
		return "", fmt.Errorf("create database %s from %s: %w", name, template, err)
	}
	return s.URL(name), nil
}

// quoteIdent quotes a database name for SQL.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Stop shuts the server down (a fast shutdown: SIGINT), waits for it, and
// removes its directory.
func (s *Server) Stop() error {
	var errs []error
	if s.admin != nil {
		errs = append(errs, s.admin.Close())
	}
	if s.cmd != nil && s.cmd.Process != nil {
		if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
			errs = append(errs, fmt.Errorf("stop postgres: %w", err))
		}
		select {
		case <-s.exited:
		case <-time.After(startTimeout):
			_ = s.cmd.Process.Kill()
			<-s.exited
			errs = append(errs, errors.New("stop postgres: it did not stop on SIGINT; killed"))
		}
	}
	errs = append(errs, os.RemoveAll(s.dir))
	return errors.Join(errs...)
}

// logBuffer keeps the server's log for error messages and reports when the
// server says it is ready.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) copy(r io.Reader, ready chan<- struct{}) {
	sc := bufio.NewScanner(r)
	signalled := false
	for sc.Scan() {
		line := sc.Text()
		b.mu.Lock()
		if len(b.lines) < 200 {
			b.lines = append(b.lines, line)
		}
		b.mu.Unlock()
		if !signalled && strings.Contains(line, readyLine) {
			close(ready)
			signalled = true
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}
