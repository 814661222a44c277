package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// Errors callers branch on.
var (
	// ErrNotFound: no device or command has the given ID.
	ErrNotFound = errors.New("not found")
	// ErrSchemaTooNew: the file was written by a newer build; opening it
	// would risk misreading or damaging it.
	ErrSchemaTooNew = errors.New("registry schema is newer than this build")
	// ErrNotRegistry: the file is not an Unbind registry (not SQLite at all,
	// corrupt, or another application's database).
	ErrNotRegistry = errors.New("not an unbind registry")
	// ErrDamaged: the file is an SQLite database whose pages fail SQLite's
	// own consistency check; it must be restored from a backup.
	ErrDamaged = errors.New("registry is damaged")
	// ErrExists: a command with this ID was already recorded.
	ErrExists = errors.New("already exists")
)

// Options configures a Store. The zero value is usable.
type Options struct {
	// Logger receives warnings about skipped updates; nil discards them.
	// Nothing logged carries account names.
	Logger *slog.Logger
	// ReadConns bounds concurrent read connections; 0 means 4.
	ReadConns int

	// synchronous overrides PRAGMA synchronous (FULL) for benchmarks.
	synchronous string
}

// busyTimeoutMS is how long a connection waits for a lock held by another
// process (a second controller, the sqlite3 shell) before failing.
const busyTimeoutMS = 10_000

// Store is the device registry. Writes go through one connection, so the
// ingest goroutine and API calls queue in Go instead of fighting over the
// SQLite write lock; reads use a separate pool and, thanks to WAL, never wait
// for a write.
type Store struct {
	w   *sql.DB
	r   *sql.DB
	log *slog.Logger
	// path is the SQLite file, or the PostgreSQL URL without its password.
	path   string
	engine engine
	// outboxWake signals commits that wrote webhook deliveries.
	outboxWake chan struct{}
	// unlock lets the next process have the file (see Lock).
	unlock func() error
}

// Open opens or creates the registry at path, creating its directory, and
// migrates it to the newest schema. A postgres:// or postgresql:// URL
// opens the registry in that PostgreSQL database instead (see IsPostgresURL).
func Open(ctx context.Context, path string, opts Options) (_ *Store, err error) {
	if path == "" {
		return nil, errors.New("open registry: empty path")
	}
	if IsPostgresURL(path) {
		return openPostgres(ctx, path, opts)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open registry %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("open registry %s: create directory: %w", abs, err)
	}
	// One writer per file: a second controller (or a demo emptying the
	// file) stops here with ErrInUse.
	unlock, err := Lock(abs)
	if err != nil {
		return nil, err
	}
	// Reports carry IMEIs and masked account names: keep the file private.
	// SQLite gives its -wal and -shm files the same mode.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		_ = f.Close()
	}
	s := &Store{log: opts.Logger, path: abs, outboxWake: make(chan struct{}, 1), unlock: unlock}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()

	// FULL makes every commit survive a power cut, not only a crash: a
	// command is recorded before it is published, and that record must not
	// vanish. Ingest batches many messages per commit, so the fsync is paid
	// once per batch (see BenchmarkApply).
	sync := opts.synchronous
	if sync == "" {
		sync = "FULL"
	}
	s.w, err = sql.Open("sqlite3", dsn(abs, url.Values{
		"_journal_mode":    {"WAL"},
		"_synchronous":     {sync},
		"_busy_timeout":    {strconv.Itoa(busyTimeoutMS)},
		"_foreign_keys":    {"1"},
		"_stmt_cache_size": {"32"},
		"_txlock":          {"immediate"},
	}))
	if err != nil {
		return nil, fmt.Errorf("open registry %s: %w", abs, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	if err := s.w.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open registry %s: %w", abs, classifyOpenError(err))
	}

	if err := s.check(ctx); err != nil {
		return nil, err
	}

	if err := s.migrate(ctx); err != nil {
		return nil, err
	}

	readers := opts.ReadConns
	if readers <= 0 {
		readers = 4
	}
	s.r, err = sql.Open("sqlite3", dsn(abs, url.Values{
		"_busy_timeout":    {strconv.Itoa(busyTimeoutMS)},
		"_foreign_keys":    {"1"},
		"_stmt_cache_size": {"32"},
		"_query_only":      {"1"},
	}))
	if err != nil {
		return nil, fmt.Errorf("open registry %s: %w", abs, err)
	}
	s.r.SetMaxOpenConns(readers)
	s.r.SetMaxIdleConns(readers)
	if err := s.r.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open registry %s for reading: %w", abs, classifyOpenError(err))
	}
	return s, nil
}

// check runs PRAGMA quick_check, so that a damaged file is refused at start
// with a way out rather than answering "malformed" later, mid-release.
func (s *Store) check(ctx context.Context) error {
	rows, err := s.w.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return s.damaged(err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return s.damaged(err)
		}
		if line != "ok" && len(problems) < 3 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return s.damaged(err)
	}
	if len(problems) > 0 {
		return s.damaged(errors.New(strings.Join(problems, "; ")))
	}
	return nil
}

// damaged is the one line an operator sees for a file that fails the check.
// A file that is not SQLite at all stays ErrNotRegistry (a wrong --db path).
func (s *Store) damaged(cause error) error {
	var se sqlite3.Error
	if errors.As(cause, &se) && se.Code == sqlite3.ErrNotADB {
		return fmt.Errorf("open registry %s: %w", s.path, classifyOpenError(cause))
	}
	msg := strings.ReplaceAll(cause.Error(), "\n", "; ")
	return fmt.Errorf("open registry %s: %w (quick_check: %s); stop the controller, move the file and its -wal/-shm aside, and copy the newest file made by `unbind backup` to %s",
		s.path, ErrDamaged, msg, s.path)
}

// ErrBackupUnsupported: Backup was asked of a PostgreSQL registry, which
// its own tools back up.
var ErrBackupUnsupported = errors.New("the registry is in PostgreSQL: back it up with pg_dump (pg_dump -Fc -f unbind.dump DBNAME) and restore with pg_restore; see docs/operating.md")

// Backup writes a consistent copy of the registry to dest, which must not
// exist, while the store keeps serving: SQLite's VACUUM INTO reads one
// snapshot through a read transaction, so writers are not held up.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if s.engine == enginePostgres {
		return ErrBackupUnsupported
	}
	// VACUUM INTO accepts an empty file: creating it first keeps the copy
	// owner-only from its first byte, like the registry.
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("back up registry: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("back up registry: %w", err)
	}
	// A connection of its own: the read pool is query-only, and the write
	// connection would hold up ingest for as long as the copy takes.
	db, err := sql.Open("sqlite3", dsn(s.path, url.Values{"_busy_timeout": {strconv.Itoa(busyTimeoutMS)}}))
	if err != nil {
		return fmt.Errorf("back up registry to %s: %w", dest, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		_ = os.Remove(dest)
		return fmt.Errorf("back up registry to %s: %w", dest, err)
	}
	return nil
}

// Close closes both pools. The WAL is checkpointed by SQLite when the last
// connection closes.
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.unlock != nil { // after the connections: the next writer may start
		errs = append(errs, s.unlock())
		s.unlock = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close registry %s: %w", s.path, err)
	}
	return nil
}

// SchemaVersion reports the newest migration applied to the file.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, s.r)
}

// dsn builds a file: URI, escaping the path so that '?' or '#' in a
// directory name cannot be read as parameters.
func dsn(abs string, params url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: params.Encode()}
	if u.Path != "" && u.Path[0] != '/' { // Windows: file:///C:/...
		u.Path = "/" + u.Path
	}
	return u.String()
}

// classifyOpenError marks the driver's "this is not a database" answers with
// ErrNotRegistry, so that a wrong --db path gives a clear message.
func classifyOpenError(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
		return fmt.Errorf("%w: %w", ErrNotRegistry, err)
	}
	return err
}
