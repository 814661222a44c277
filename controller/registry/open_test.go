package registry

import (
	"context"
	"database/sql"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestOpenCreatesDirAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "registry.db")
	s, err := Open(ctx, path, Options{})
	require.NoError(t, err)
	applyOK(t, s, stateUpd("dev1", 1, at(0), report(at(0))))

	var mode string
	require.NoError(t, s.r.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode))
	assert.Equal(t, "wal", mode)
	var fk int
	require.NoError(t, s.w.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk))
	assert.Equal(t, 1, fk)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "reports hold IMEIs: the file must be private")
	require.NoError(t, s.Close())

	for range 2 { // opening an up-to-date file again changes nothing
		s, err = Open(ctx, path, Options{})
		require.NoError(t, err)
		v, err := s.SchemaVersion(ctx)
		require.NoError(t, err)
		ms, err := loadMigrations(migrationFS, engineSQLite)
		require.NoError(t, err)
		assert.Equal(t, ms[len(ms)-1].version, v)
		d, err := s.Device(ctx, "dev1")
		require.NoError(t, err)
		assert.Equal(t, protocol.VerdictSafe, d.Verdict)
		var rows int
		require.NoError(t, s.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows))
		assert.Equal(t, len(ms), rows)
		require.NoError(t, s.Close())
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "we?ird #dir%20", "registry.db")
	s, err := Open(context.Background(), path, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = os.Stat(path)
	assert.NoError(t, err, "the file must be created at the literal path")
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string) // makes the file at path
		want    error                           // nil: any error
	}{
		{"garbage file", func(t *testing.T, path string) {
			garbage := make([]byte, 4096)
			for i := range garbage {
				garbage[i] = byte(i*7 + 3)
			}
			require.NoError(t, os.WriteFile(path, garbage, 0o600))
		}, ErrNotRegistry},
		{"short text file", func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path, []byte("not a database\n"), 0o600))
		}, ErrNotRegistry},
		{"another application's database", func(t *testing.T, path string) {
			rawExec(t, path, `CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)`)
		}, ErrNotRegistry},
		{"foreign application_id", func(t *testing.T, path string) {
			rawExec(t, path, `PRAGMA application_id = 42`)
		}, ErrNotRegistry},
		{"newer schema", func(t *testing.T, path string) {
			s, err := Open(context.Background(), path, Options{})
			require.NoError(t, err)
			require.NoError(t, s.Close())
			rawExec(t, path, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (99, '0099_future.sql', '2030-01-01T00:00:00.000000000Z')`)
		}, ErrSchemaTooNew},
		{"path is a directory", func(t *testing.T, path string) {
			require.NoError(t, os.Mkdir(path, 0o700))
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "registry.db")
			tc.prepare(t, path)
			s, err := Open(context.Background(), path, Options{})
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), path, "the error names the file")
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			}
		})
	}
}

func TestOpenBadPaths(t *testing.T) {
	_, err := Open(context.Background(), "", Options{})
	assert.Error(t, err)

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = Open(context.Background(), filepath.Join(file, "registry.db"), Options{})
	assert.ErrorContains(t, err, "create directory")
}

func rawExec(t *testing.T, path, query string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(query)
	require.NoError(t, err)
}

func TestMigrateForward(t *testing.T) {
	ctx := context.Background()
	v1 := fstest.MapFS{"migrations/0001_init.sql": {Data: []byte(`CREATE TABLE a(x INTEGER) STRICT;`)}}
	v2 := fstest.MapFS{
		"migrations/0001_init.sql": v1["migrations/0001_init.sql"],
		"migrations/0002_more.sql": {Data: []byte(`ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a VALUES (1, 'kept');`)},
	}
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
	require.NoError(t, err)
	defer db.Close()

	steps := []struct {
		fsys     fstest.MapFS
		from, to int
		wantErr  error
	}{
		{v1, 0, 1, nil},
		{v1, 1, 1, nil},
		{v2, 1, 2, nil},
		{v2, 2, 2, nil},
		{v1, 2, 2, ErrSchemaTooNew},
	}
	for i, st := range steps {
		ms, err := loadMigrations(st.fsys, engineSQLite)
		require.NoError(t, err)
		from, to, err := migrate(ctx, db, engineSQLite, ms, at(i))
		if st.wantErr != nil {
			assert.ErrorIs(t, err, st.wantErr, "step %d", i)
			continue
		}
		require.NoError(t, err, "step %d", i)
		assert.Equal(t, st.from, from, "step %d", i)
		assert.Equal(t, st.to, to, "step %d", i)
	}
	var y string
	require.NoError(t, db.QueryRow(`SELECT y FROM a`).Scan(&y))
	assert.Equal(t, "kept", y)
}

func TestLoadMigrationsChecksNames(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		ok    bool
	}{
		{"embedded set", nil, true},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, true},
		{"repeated", []string{"0001_a.sql", "0002_b.sql", "0002_c.sql"}, false},
		{"not numbered", []string{"0001_a.sql", "init.sql"}, false},
		{"starts at two", []string{"0002_b.sql"}, false},
		{"in order", []string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}, true},
		{"two-digit gap", []string{"0001_a.sql", "0002_b.sql", "0010_c.sql"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.files == nil {
				_, err = loadMigrations(migrationFS, engineSQLite)
			} else {
				fsys := fstest.MapFS{}
				for _, f := range tc.files {
					fsys["migrations/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
				}
				_, err = loadMigrations(fsys, engineSQLite)
			}
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// TestMigrateFillsGap: a version merged later than a higher one (two
// branches) is still applied to a file that already has the higher one.
func TestMigrateFillsGap(t *testing.T) {
	ctx := context.Background()
	one := fstest.MapFS{
		"migrations/0001_init.sql": {Data: []byte(`CREATE TABLE a(x INTEGER) STRICT;`)},
		"migrations/0003_c.sql":    {Data: []byte(`CREATE TABLE c(x INTEGER) STRICT;`)},
	}
	both := fstest.MapFS{"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE b(x INTEGER) STRICT;`)}}
	maps.Copy(both, one)
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
	require.NoError(t, err)
	defer db.Close()
	for i, fsys := range []fstest.MapFS{one, both} {
		ms, err := loadMigrations(fsys, engineSQLite)
		require.NoError(t, err)
		_, to, err := migrate(ctx, db, engineSQLite, ms, at(i))
		require.NoError(t, err)
		assert.Equal(t, 3, to)
	}
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM b`).Scan(&n), "0002 must be applied after 0003")
	_, _, err = migrate(ctx, db, engineSQLite, mustLoad(t, one), at(3))
	assert.ErrorIs(t, err, ErrSchemaTooNew, "a build without 0002 must not open a file that has it")
}

func mustLoad(t *testing.T, fsys fstest.MapFS) []migration {
	t.Helper()
	ms, err := loadMigrations(fsys, engineSQLite)
	require.NoError(t, err)
	return ms
}

// TestOneWriterPerFile: a registry open here cannot be opened again (or
// locked for emptying) until it is closed; a crash needs no clean-up, the
// kernel drops the lock with the process.
func TestOneWriterPerFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	s, err := Open(ctx, path, Options{})
	require.NoError(t, err)
	_, err = Open(ctx, path, Options{})
	require.ErrorIs(t, err, ErrInUse)
	assert.Contains(t, err.Error(), "process "+strconv.Itoa(os.Getpid()))
	_, err = Lock(path)
	require.ErrorIs(t, err, ErrInUse)
	require.NoError(t, s.Close())

	unlock, err := Lock(path)
	require.NoError(t, err, "free once closed")
	require.NoError(t, unlock())
	s, err = Open(ctx, path, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
}
