package fleet

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/internal/pgtest"
)

// testChildArg makes the test binary run a controller child: the topology
// test starts its controllers as processes of their own, as the benchmark
// does.
const testChildArg = "__fleet_test_controller"

func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == testChildArg {
		os.Exit(ServeController(os.Args[2], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestTopologyCheck(t *testing.T) {
	tests := []struct {
		name string
		o    TopologyOptions
		ok   bool
	}{
		{"default engines", TopologyOptions{Controllers: 1}, true},
		{"postgres and mosquitto, 2 controllers", TopologyOptions{Registry: RegistryPostgres, Broker: BrokerMosquitto, Controllers: 2}, true},
		{"postgres alone", TopologyOptions{Registry: RegistryPostgres, Controllers: 1}, true},
		{"mosquitto on sqlite, 1 controller", TopologyOptions{Broker: BrokerMosquitto, Controllers: 1}, true},
		{"no controllers", TopologyOptions{}, false},
		{"2 controllers on sqlite", TopologyOptions{Registry: RegistrySQLite, Broker: BrokerMosquitto, Controllers: 2}, false},
		{"2 controllers on the embedded broker", TopologyOptions{Registry: RegistryPostgres, Controllers: 2}, false},
		{"2 controllers by default", TopologyOptions{Controllers: 2}, false},
		{"negative controllers", TopologyOptions{Controllers: -1}, false},
		{"unknown registry", TopologyOptions{Registry: "mysql"}, false},
		{"unknown broker", TopologyOptions{Broker: "emqx"}, false},
		{"max clients on mosquitto", TopologyOptions{Broker: BrokerMosquitto, Controllers: 1, MaxClients: 10}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Check()
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrTopology)
			}
		})
	}
}

// TestTopologyRunsEndToEnd is the topology of issue 21 in small, as a
// guard on loss and on the figures (counts, never timings): PostgreSQL,
// Mosquitto with the registry's logins and two controller processes in
// one share group; every report is accounted for by one controller or the
// other, no device misses its newest, every reset is acknowledged, and
// each process's CPU and memory are reported.
func TestTopologyRunsEndToEnd(t *testing.T) {
	if _, err := pgtest.BinDir(); err != nil {
		t.Skipf("the topology needs PostgreSQL: %v", err)
	}
	if _, err := MosquittoBinary(); err != nil {
		t.Skipf("the topology needs Mosquitto: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	top, err := StartTopology(ctx, TopologyOptions{Registry: RegistryPostgres, Broker: BrokerMosquitto, Controllers: 2,
		Child: []string{os.Args[0], testChildArg}})
	require.NoError(t, err)
	defer top.Stop()

	const agents, reports = 50, 5
	res, err := Run(ctx, top.Target(), Options{Agents: agents, Reports: reports, Release: true})
	require.NoError(t, err)
	assert.Equal(t, agents, res.AgentsConnected)
	assert.Equal(t, uint64(agents*reports), res.ReportsPublished)
	assert.Zero(t, res.Lost, "every device holds its newest report")
	// Two controllers write one device's reports in whichever order the
	// broker handed them out: an older one arriving last is stale, not lost.
	assert.Equal(t, res.ReportsPublished, res.ReportsPersisted+res.Superseded+res.Stale, "each report accounted for by one controller")
	assert.Equal(t, agents, res.ReleaseAcknowledged, "every factory_reset acknowledged")
	require.NotNil(t, res.ReleaseAckS)

	require.Len(t, res.Controllers, 2)
	for i, c := range res.Controllers {
		assert.Equal(t, top.Controllers[i].Instance, c.Instance)
		assert.Positive(t, c.RSSBytes, "%s: memory measured", c.Instance)
		assert.Positive(t, c.RSSAfterBurstBytes, "%s: memory measured", c.Instance)
		assert.NotNil(t, c.ReleaseCPUS, "%s: release CPU measured", c.Instance)
	}
	for _, p := range []*ProcessUse{res.Postgres, res.Broker} {
		require.NotNil(t, p)
		assert.Positive(t, p.RSSBytes, "%s: memory measured", p.Instance)
		assert.NotNil(t, p.ReleaseCPUS, "%s: release CPU measured", p.Instance)
	}
	assert.Greater(t, res.Postgres.RSSBytes, uint64(1<<20), "PostgreSQL's processes together hold more than a MiB")
}

// TestProcessTree: a child of this process is in its tree, and its CPU
// is counted in the tree's.
func TestProcessTree(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	assert.Contains(t, processTree(os.Getpid()), cmd.Process.Pid)
	assert.NotContains(t, processTree(cmd.Process.Pid), os.Getpid())
	assert.GreaterOrEqual(t, treeCPU(os.Getpid()), cpuOfPID(os.Getpid()))
	assert.Positive(t, treeMemory(os.Getpid()))
}

func TestChildrenCPUOfStat(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want float64
	}{
		{"plain", "1234 (postgres) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 130 40 60 20 0 1 0 100 1000 10", 1.0},
		{"name with spaces and parens", "99 (a b) (c)) R 1 99 99 0 -1 0 0 0 0 0 7 3 5 5 20 0 1 0 1 1 1", 0.1},
		{"truncated", "99 (x) R 1 2 3 0 -1 0 0 0 0 0 7 3", 0},
		{"not numbers", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 a b", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, childrenCPUOfStat([]byte(tt.stat)), 1e-9)
		})
	}
}

// TestMosquittoLeavesNoFiles: a stopped Mosquitto's configuration and
// logins are removed (each run once left a directory in /tmp).
func TestMosquittoLeavesNoFiles(t *testing.T) {
	if _, err := MosquittoBinary(); err != nil {
		t.Skipf("needs Mosquitto: %v", err)
	}
	m, files, err := StartMosquittoWithLogins(context.Background())
	require.NoError(t, err)
	require.DirExists(t, files.Dir)
	m.Stop()
	assert.NoDirExists(t, files.Dir)
}
