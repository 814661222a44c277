package registry

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/internal/pgtest"
)

// TestOpenPostgresRefuses: a database whose text order is not byte order,
// or that holds another application's tables, is refused before anything
// is written; a bad URL is refused without echoing its password.
func TestOpenPostgresRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin := func(t *testing.T, url, q string) {
		db, err := sql.Open("pgx", url)
		require.NoError(t, err)
		defer db.Close()
		_, err = db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	t.Run("ICU collation", func(t *testing.T) {
		url := pgtest.NewDatabase(t)
		name := url[strings.LastIndex(url[:strings.Index(url, "?")], "/")+1 : strings.Index(url, "?")]
		icu := strings.Replace(url, "/"+name+"?", "/"+name+"_icu?", 1)
		admin(t, url, `CREATE DATABASE `+name+`_icu TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`)
		_, err := Open(ctx, icu, Options{})
		require.ErrorIs(t, err, ErrCollation)
		assert.Contains(t, err.Error(), "--lc-collate C")
	})
	t.Run("another application's tables", func(t *testing.T) {
		url := pgtest.NewDatabase(t)
		admin(t, url, `CREATE TABLE orders (id int)`)
		_, err := Open(ctx, url, Options{})
		require.ErrorIs(t, err, ErrNotRegistry)
	})
	t.Run("bad URL", func(t *testing.T) {
		_, err := Open(ctx, "postgres://u:hunter2@[::1/db", Options{})
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "hunter2")
	})
}

// TestBackupOfPostgresRegistryNamesPgDump: Backup is SQLite's; on
// PostgreSQL it refuses with the way to back up instead, writing nothing.
func TestBackupOfPostgresRegistryNamesPgDump(t *testing.T) {
	t.Parallel()
	s := openOn(t, enginePostgres, Options{})
	dest := t.TempDir() + "/copy.db"
	err := s.Backup(context.Background(), dest)
	require.ErrorIs(t, err, ErrBackupUnsupported)
	assert.Contains(t, err.Error(), "pg_dump")
	assert.NoFileExists(t, dest)
}
