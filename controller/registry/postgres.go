package registry

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/mattn/go-sqlite3"
)

// engine is the database a Store runs on. The registry's queries are the
// same text on both; what differs is how a store is opened and locked, and
// the few schema statements that have no common form (see doc.go).
type engine int

const (
	engineSQLite engine = iota
	enginePostgres
)

func (e engine) String() string {
	if e == enginePostgres {
		return "postgres"
	}
	return "sqlite"
}

// IsPostgresURL reports whether a registry location names a PostgreSQL
// database (postgres:// or postgresql://) rather than an SQLite file.
func IsPostgresURL(location string) bool {
	scheme, _, ok := strings.Cut(location, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// writeLockKey is the PostgreSQL advisory lock every write transaction
// takes first ("UNBR"). Advisory locks are per database, so it serialises
// the writers of one registry, whichever controller they run in, exactly as
// SQLite's one write lock does: the per-device compare-and-set, the audit
// chain's head and the outbox are read and written by one writer at a time,
// and the code that relies on that is the same on both engines.
const writeLockKey = 0x554E4252

// ErrCollation: a PostgreSQL database whose text order is not byte order.
var ErrCollation = errors.New("the registry's database does not sort text by bytes")

// pgReadConns is the read pool's default size on PostgreSQL.
const pgReadConns = 8

// openPostgres opens the registry in the PostgreSQL database at rawURL and
// migrates it. Several controllers may open one database: there is no lock
// file, and writes serialise on writeLockKey.
func openPostgres(ctx context.Context, rawURL string, opts Options) (_ *Store, err error) {
	shown := redactURL(rawURL)
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, fmt.Errorf("open registry %s: not a valid PostgreSQL URL", shown)
	}
	s := &Store{log: opts.Logger, path: shown, engine: enginePostgres, outboxWake: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()

	// One write connection, as on SQLite: writers in this process queue in
	// Go, and wait on the advisory lock only for other controllers.
	s.w = sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	if err := s.w.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open registry %s: %w", shown, err)
	}
	if err := checkCollation(ctx, s.w); err != nil {
		return nil, fmt.Errorf("open registry %s: %w", shown, err)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}

	readers := opts.ReadConns
	if readers <= 0 {
		readers = pgReadConns
	}
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	s.r = sql.OpenDB(pgConnector{stdlib.GetConnector(*rcfg)})
	s.r.SetMaxOpenConns(readers)
	s.r.SetMaxIdleConns(readers)
	if err := s.r.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open registry %s for reading: %w", shown, err)
	}
	return s, nil
}

// Shared reports whether other controllers may have this registry open at
// the same time (PostgreSQL), so that what one controller keeps for itself
// in it needs a name of its own.
func (s *Store) Shared() bool { return s.engine == enginePostgres }

// checkCollation refuses a database whose text order is not byte order.
// The registry orders and compares IDs and its fixed-width time text as
// SQLite does, by bytes; a language collation (en_US.UTF-8) orders them
// differently, so lists and time comparisons would change with the server.
func checkCollation(ctx context.Context, db *sql.DB) error {
	// datlocprovider (PostgreSQL 15+) is 'i' when ICU collates, whatever
	// datcollate says; read through to_jsonb so older servers answer too.
	var collate, provider string
	if err := db.QueryRowContext(ctx, `SELECT datcollate, coalesce(to_jsonb(d) ->> 'datlocprovider', 'c')
		FROM pg_database d WHERE datname = current_database()`).Scan(&collate, &provider); err != nil {
		return fmt.Errorf("read the database's collation: %w", err)
	}
	if provider == "i" {
		collate = "ICU"
	}
	switch strings.ToLower(collate) {
	case "c", "posix", "c.utf8", "c.utf-8":
		return nil
	}
	return fmt.Errorf("%w: the database's collation is %q; the registry needs byte order: create it with createdb --template template0 --lc-collate C --lc-ctype C", ErrCollation, collate)
}

// Redact is a registry location as it may be shown or logged: an SQLite
// path as it is, a PostgreSQL URL without its password.
func Redact(location string) string {
	if IsPostgresURL(location) {
		return redactURL(location)
	}
	return location
}

// redactURL is the URL without its password, for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres://…"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// pgConnector hands out pgx connections that rewrite the registry's
// parameters (rebind) as statements are prepared or run.
type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := conn.(*stdlib.Conn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("pgx returned a %T, not a *stdlib.Conn", conn)
	}
	return pgConn{pc}, nil
}

// pgConn is pgx's connection with every statement rebound; all else is
// pgx's own (transactions, type conversion, session reset).
type pgConn struct{ *stdlib.Conn }

func (c pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

func (c pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

func (c pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

func (c pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
}

// CheckNamedValue stores a Go bool as 1 or 0: the registry's flags are
// integer columns (SQLite has no boolean type), and pgx, unlike SQLite's
// driver, does not turn a bool into an integer by itself.
func (c pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if v := reflect.ValueOf(nv.Value); v.Kind() == reflect.Bool {
		nv.Value = int64(0)
		if v.Bool() {
			nv.Value = int64(1)
		}
	}
	return c.Conn.CheckNamedValue(nv)
}

// isUniqueViolation reports whether err is a primary key or unique
// constraint refusing a row, on either engine.
func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey || se.ExtendedCode == sqlite3.ErrConstraintUnique
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// beginWrite starts a write transaction. On SQLite the write connection
// begins IMMEDIATE (it holds the file's write lock); on PostgreSQL the
// transaction first takes writeLockKey, held until it commits or rolls back.
func (s *Store) beginWrite(ctx context.Context) (*sql.Tx, error) {
	return beginWriteTx(ctx, s.w, s.engine)
}

func beginWriteTx(ctx context.Context, db *sql.DB, e engine) (*sql.Tx, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if e == enginePostgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(writeLockKey)); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("take the registry's write lock: %w", err)
		}
	}
	return tx, nil
}
