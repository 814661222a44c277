package registry

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migrations are embedded SQL files named NNNN_what.sql, applied in order
// on both engines. A file, once committed, is never edited: a schema change
// is a new file. Where a statement has no form both SQLite and PostgreSQL
// accept, NNNN_what.pg.sql beside it is what PostgreSQL runs instead (see
// doc.go).
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// applicationID marks the file as an Unbind registry (PRAGMA application_id).
const applicationID = 0x554E4252 // "UNBR"

// pgSuffix ends the name of a migration's PostgreSQL variant.
const pgSuffix = ".pg.sql"

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded files and checks that their versions
// strictly increase from 1. A number may be skipped (two branches can each
// claim one, and they merge in either order): migrate applies every known
// version the file lacks, not only those above its newest.
func loadMigrations(fsys fs.FS, e engine) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	variants := map[string]bool{}
	for _, name := range names {
		if strings.HasSuffix(name, pgSuffix) {
			variants[name] = true
		}
	}
	var ms []migration
	for _, name := range names { // fs.Glob returns sorted names
		if variants[name] {
			if !slices.Contains(names, strings.TrimSuffix(name, pgSuffix)+".sql") {
				return nil, fmt.Errorf("migration %s: a PostgreSQL variant needs its SQLite file beside it", path.Base(name))
			}
			continue
		}
		if pg := strings.TrimSuffix(name, ".sql") + pgSuffix; e == enginePostgres && variants[pg] {
			name = pg
		}
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	for i, m := range ms {
		if (i == 0 && m.version != 1) || (i > 0 && m.version <= ms[i-1].version) {
			return nil, fmt.Errorf("migration %s: versions must start at 1 and increase", m.name)
		}
	}
	return ms, nil
}

// migrate brings the store's database up to the newest migration.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFS, s.engine)
	if err != nil {
		return fmt.Errorf("open registry %s: %w", s.path, err)
	}
	from, to, err := migrate(ctx, s.w, s.engine, ms, nowUTC())
	if err != nil {
		return fmt.Errorf("open registry %s: %w", s.path, err)
	}
	if from != to {
		s.log.Info("registry schema migrated", "from", from, "to", to, "engine", s.engine.String())
	}
	return nil
}

// schemaMigrationsTable records the applied migrations (STRICT is SQLite's).
var schemaMigrationsTable = map[engine]string{
	engineSQLite: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`,
	enginePostgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`,
}

// migrate brings the database up to the newest migration. It runs in one
// write transaction (SQLite: immediate; PostgreSQL: under the registry's
// write lock, and DDL is transactional there) so that two processes opening
// the same database at once cannot both apply a step.
func migrate(ctx context.Context, db *sql.DB, e engine, ms []migration, now time.Time) (from, to int, err error) {
	tx, err := beginWriteTx(ctx, db, e)
	if err != nil {
		return 0, 0, fmt.Errorf("begin migration: %w", classifyOpenError(err))
	}
	defer func() { _ = tx.Rollback() }()

	if err := checkOwnership(ctx, tx, e); err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, schemaMigrationsTable[e]); err != nil {
		return 0, 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return 0, 0, err
	}
	current := 0
	for v := range applied {
		current = max(current, v)
	}
	known := make(map[int]bool, len(ms))
	for _, m := range ms {
		known[m.version] = true
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	for v := range applied {
		if !known[v] {
			return current, current, fmt.Errorf("%w: the database has schema version %d, which this build does not know (it knows up to %d); use a newer unbind",
				ErrSchemaTooNew, v, latest)
		}
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return current, current, fmt.Errorf("apply migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, formatTime(now)); err != nil {
			return current, current, fmt.Errorf("record migration %s: %w", m.name, err)
		}
	}
	// Marks the file as ours, so that Open refuses other applications'
	// files. (A PostgreSQL registry is recognised by its schema_migrations.)
	if e == engineSQLite {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
			return current, current, fmt.Errorf("set application_id: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return current, current, fmt.Errorf("commit migrations: %w", err)
	}
	return current, latest, nil
}

// appliedVersions is the set of migrations recorded in the file.
func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema version: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	return applied, nil
}

// checkOwnership refuses a database that belongs to another application: one
// whose application_id is someone else's, or that has tables but was never
// migrated by us. Writing our schema into it would damage it.
func checkOwnership(ctx context.Context, tx *sql.Tx, e engine) error {
	if e == enginePostgres {
		return checkOwnershipPostgres(ctx, tx)
	}
	var appID int64
	if err := tx.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
		return fmt.Errorf("read application_id: %w", classifyOpenError(err))
	}
	if appID == applicationID {
		return nil
	}
	if appID != 0 {
		return fmt.Errorf("%w: application_id is %#x, not %#x", ErrNotRegistry, appID, applicationID)
	}
	var tables int
	if err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name <> 'schema_migrations'`).Scan(&tables); err != nil {
		return fmt.Errorf("list tables: %w", classifyOpenError(err))
	}
	if tables > 0 {
		return fmt.Errorf("%w: it holds %d tables of another application", ErrNotRegistry, tables)
	}
	return nil
}

// schemaVersion reports the newest applied migration.
func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// checkOwnershipPostgres refuses a database whose schema holds tables but
// no schema_migrations: another application's, which our schema would mix
// into.
func checkOwnershipPostgres(ctx context.Context, tx *sql.Tx) error {
	var tables, ours int
	if err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE table_name = 'schema_migrations')
		FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables, &ours); err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	if tables > 0 && ours == 0 {
		return fmt.Errorf("%w: its schema holds %d tables of another application", ErrNotRegistry, tables)
	}
	return nil
}
