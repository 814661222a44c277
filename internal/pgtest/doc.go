// Package pgtest starts a throwaway PostgreSQL server for a test package and
// hands each test a fresh database on it.
//
// The server is started on first use and listens only on a Unix socket in a
// temporary directory (no TCP port, so parallel packages cannot race for
// one). A package that uses it stops it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
// and each test asks for a database:
//
//	url := pgtest.NewDatabase(t) // postgres:///t3?host=/tmp/pgtest…
//
// The server runs with fsync off and small buffers: it is for tests only,
// and its data is gone when it stops. PostgreSQL refuses to run as root, so
// when the tests run as root (CI containers) the server runs as the
// "postgres" system user that Debian's package creates.
package pgtest
