package registry

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// Migrations are embedded SQL files named NNNN_what.sql, applied in order.
// A file, once committed, is never edited: a schema change is a new file.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// applicationID marks the file as an Unbind registry (PRAGMA application_id).
const applicationID = 0x554E4252 // "UNBR"

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded files and checks that their versions
// strictly increase from 1. A number may be skipped (two branches can each
// claim one, and they merge in either order): migrate applies every known
// version the file lacks, not only those above its newest.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	for _, name := range names { // fs.Glob returns sorted names
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

// migrate brings the database up to the newest migration. It runs in one
// immediate transaction so that two processes opening the same file at once
// cannot both apply a step.
func migrate(ctx context.Context, db *sql.DB, ms []migration, now time.Time) (from, to int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("begin migration: %w", classifyOpenError(err))
	}
	defer func() { _ = tx.Rollback() }()

	if err := checkOwnership(ctx, tx); err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
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
	// Marks the file as ours, so that Open refuses other applications' files.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
		return current, current, fmt.Errorf("set application_id: %w", err)
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
func checkOwnership(ctx context.Context, tx *sql.Tx) error {
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
