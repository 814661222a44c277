package pgtest

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

func TestDatabasesAreFreshAndApart(t *testing.T) {
	a, b := NewDatabase(t), NewDatabase(t)
	require.NotEqual(t, a, b)

	da, err := sql.Open("pgx", a)
	require.NoError(t, err)
	defer da.Close()
	_, err = da.ExecContext(context.Background(), `CREATE TABLE x (n int)`)
	require.NoError(t, err)

	db, err := sql.Open("pgx", b)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(),
		`SELECT count(*) FROM information_schema.tables WHERE table_name = 'x'`).Scan(&n))
	assert.Zero(t, n, "a new database holds nothing of another test's")

	var collate string
	require.NoError(t, db.QueryRowContext(context.Background(),
		`SELECT datcollate FROM pg_database WHERE datname = current_database()`).Scan(&collate))
	assert.Equal(t, "C", collate)
}

func TestStopEndsTheServer(t *testing.T) {
	s, err := Start(context.Background())
	require.NoError(t, err)
	u, err := s.CreateDatabase(context.Background())
	require.NoError(t, err)
	require.NoError(t, s.Stop())
	select {
	case <-s.exited:
	default:
		t.Fatal("the server still runs after Stop")
	}
	db, err := sql.Open("pgx", u)
	require.NoError(t, err)
	defer db.Close()
	assert.Error(t, db.PingContext(context.Background()), "nothing answers on the socket after Stop")
	_, err = os.Stat(s.dir)
	assert.True(t, os.IsNotExist(err), "its directory is removed")
}

func TestNewDatabaseFromCopiesThePreparedTemplate(t *testing.T) {
	prepared := 0
	prepare := func(u string) error {
		prepared++
		db, err := sql.Open("pgx", u)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(context.Background(), `CREATE TABLE y (n int); INSERT INTO y VALUES (7)`)
		return err
	}
	for range 2 {
		u := NewDatabaseFrom(t, "tpl_y", prepare)
		db, err := sql.Open("pgx", u)
		require.NoError(t, err)
		var n int
		require.NoError(t, db.QueryRowContext(context.Background(), `SELECT n FROM y`).Scan(&n))
		assert.Equal(t, 7, n)
		_, err = db.ExecContext(context.Background(), `INSERT INTO y VALUES (8)`)
		require.NoError(t, err, "each copy is the test's own")
		require.NoError(t, db.Close())
	}
	assert.Equal(t, 1, prepared, "the template is prepared once")
}
