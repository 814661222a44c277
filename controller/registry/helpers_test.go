package registry

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/internal/pgtest"
	"github.com/unbind/unbind/protocol"
)

// t0 is an arbitrary controller-clock origin for tests.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// TestMain stops the PostgreSQL server the suite's postgres subtests start.
func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// openTest opens a fresh SQLite registry; tests of what only SQLite has
// (its file, lock file, WAL) use it directly.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "db", "registry.db"), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openOn opens a fresh registry on engine e: an SQLite file, or a new
// database on the package's PostgreSQL server.
func openOn(t testing.TB, e engine, opts Options) *Store {
	t.Helper()
	if e == engineSQLite {
		return openTest(t, opts)
	}
	s, err := Open(context.Background(), pgtest.NewDatabaseFrom(t, "registry_migrated", migrateTemplate), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// migrateTemplate brings the database every postgres test starts from up
// to the newest schema, once per run.
func migrateTemplate(url string) error {
	s, err := Open(context.Background(), url, Options{})
	if err != nil {
		return err
	}
	return s.Close()
}

// forEachEngine runs a registry test once per engine, as subtests named
// sqlite and postgres: every guarantee holds on both. The postgres subtests
// run in parallel with each other: most of their time is the server
// copying a database, not this process's CPU.
func forEachEngine(t *testing.T, test func(t *testing.T, e engine)) {
	t.Helper()
	for _, e := range []engine{engineSQLite, enginePostgres} {
		t.Run(e.String(), func(t *testing.T) {
			if e == enginePostgres {
				t.Parallel()
			}
			test(t, e)
		})
	}
}

// boomTrigger makes inserts into table fail for the device "boom", to see a
// failed write roll back what shared its transaction.
func boomTrigger(s *Store, table string) string {
	if s.engine == enginePostgres {
		return `CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS
			'BEGIN IF NEW.device_id = ''boom'' THEN RAISE EXCEPTION ''boom''; END IF; RETURN NEW; END';
			CREATE TRIGGER boom BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION boom()`
	}
	return `CREATE TRIGGER boom BEFORE INSERT ON ` + table + `
		WHEN NEW.device_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`
}

// report builds a valid report: safe when no kinds are given.
func report(checkedAt time.Time, kinds ...protocol.RiskKind) protocol.Report {
	r := protocol.Report{
		Device:      protocol.Identity{Serial: "SER1", Manufacturer: "Xiaomi", Brand: "Redmi", Model: "Note 12", AndroidVersion: "14", SDK: 34, VendorOS: "HyperOS OS1.0"},
		SafeToReset: len(kinds) == 0,
		Risks:       []protocol.Risk{},
		FindDevice:  protocol.TriOff,
		LostMode:    protocol.TriOff,
		CheckedAt:   checkedAt,
	}
	for _, k := range kinds {
		r.Risks = append(r.Risks, protocol.Risk{Kind: k, Check: "dumpsys account", Evidence: "account of type present"})
		if k == protocol.RiskFindDevice {
			r.FindDevice = protocol.TriOn
		}
	}
	return r
}

func stateUpd(id string, seq uint64, received time.Time, r protocol.Report) Update {
	return Update{DeviceID: id, ReceivedAt: received, State: &protocol.DeviceState{V: protocol.Version, DeviceID: id, Seq: seq, Report: r}}
}

func presenceUpd(id string, st protocol.PresenceStatus, received time.Time) Update {
	return Update{DeviceID: id, ReceivedAt: received, Presence: &protocol.Presence{
		V: protocol.Version, DeviceID: id, Status: st, At: received.Add(-time.Hour), AgentVersion: "v0.1.0",
	}}
}

func eventUpd(id, cmdID string, st protocol.CommandState, reported time.Time, detail string, received time.Time) Update {
	return Update{DeviceID: id, ReceivedAt: received, Event: &protocol.CommandEvent{
		V: protocol.Version, DeviceID: id, CommandID: cmdID, State: st, At: reported, Detail: detail,
	}}
}

func command(id, deviceID string, kind protocol.CommandKind, issued time.Time) protocol.Command {
	return protocol.Command{V: protocol.Version, ID: id, DeviceID: deviceID, Kind: kind, IssuedAt: issued, ExpiresAt: issued.Add(time.Hour)}
}

func applyOK(t testing.TB, s *Store, batch ...Update) ApplyStats {
	t.Helper()
	st, err := s.ApplyBatch(context.Background(), batch)
	require.NoError(t, err)
	return st
}
