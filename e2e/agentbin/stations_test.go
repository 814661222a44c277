package agentbin

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// benchAgent is one `unbind-agent run --adb SERIAL` process of a bench PC.
type benchAgent struct {
	serial, station, lot string
}

// startBenchAgent enrolls a bench agent with c and runs it until the test
// ends (SIGTERM, then waited for). It checks its phone every 2 s, so that
// a change at the controller is seen at the next report.
func startBenchAgent(t *testing.T, c *controllertest.Controller, agentBin, fake string, env []string, b benchAgent) {
	t.Helper()
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "state")
	tok, err := c.NewEnrollmentToken(ctx, time.Hour)
	require.NoError(t, err)
	res := run(t, fake, env, agentBin, "enroll", "--adb", b.serial, "--state-dir", state,
		"--token", tok.Token, "--controller", c.APIURL())
	require.Equal(t, 0, res.code, "enroll %s: %s %s", b.serial, res.stdout, res.stderr)

	args := []string{"run", "--adb", b.serial, "--state-dir", state, "--broker", c.BrokerURL(),
		"--station", b.station, "--command-timeout", "2s", "--interval", "2s", "--log-level", "warn"}
	if b.lot != "" {
		args = append(args, "--lot", b.lot)
	}
	cmd := exec.Command(agentBin, args...)
	cmd.Env = append(os.Environ(), "PATH="+fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Env = append(cmd.Env, env...)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "agent.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = logFile.Close()
		if t.Failed() {
			log, _ := os.ReadFile(logFile.Name())
			t.Logf("agent %s at %s:\n%s", b.serial, b.station, log)
		}
	})
}

// TestStationsJoinLots: three bench agents, real processes reaching their
// phones through the fake adb, at two stations of one controller: the two
// phones at bench-a, started with --lot of an open lot, join it (audited
// as the station); the phone at bench-b, whose --lot is closed, is refused
// and still reported; the API names each phone's station and each
// station's lot. An operator then sets bench-b to the open lot, over its
// agent's --lot, and its phone joins.
func TestStationsJoinLots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	agentBin, fake := hostAgent(t), fakePhone(t)
	_, env := benchEnv(t)
	c := controllertest.Start(t)
	_, err := c.AddLot(ctx, "L-OPEN", "Acme", "PO-1", "operator:ann", "")
	require.NoError(t, err)
	_, err = c.AddLot(ctx, "L-SHUT", "Beta", "", "operator:ann", "")
	require.NoError(t, err)
	_, err = c.CloseLot(ctx, "L-SHUT", "operator:ann", "")
	require.NoError(t, err)

	agents := []benchAgent{
		{"8a3f21c7", "bench-a", "L-OPEN"},
		{"e41b9a06", "bench-a", "L-OPEN"},
		{"R5CW21XKQ7M", "bench-b", "L-SHUT"},
	}
	for _, b := range agents {
		startBenchAgent(t, c, agentBin, fake, env, b)
	}
	reported := func() bool {
		for _, b := range agents {
			seen, ok, err := c.Registry().DeviceStation(ctx, b.serial)
			if err != nil || !ok || seen.Station != b.station {
				return false
			}
		}
		return true
	}
	require.Eventually(t, reported, 60*time.Second, 50*time.Millisecond, "every bench agent reports with its station")

	for _, b := range agents {
		lot, err := c.Registry().DeviceLot(ctx, b.serial)
		require.NoError(t, err)
		want := b.lot
		if b.lot == "L-SHUT" {
			want = "" // closed: refused
		}
		assert.Equal(t, want, lot, "lot of %s", b.serial)
	}
	audit, err := c.Registry().Audit(ctx, "R5CW21XKQ7M", 100)
	require.NoError(t, err)
	var refusals []registry.AuditEntry
	for _, e := range audit {
		if e.Action == registry.AuditLotJoinRefused {
			refusals = append(refusals, e)
		}
	}
	require.Len(t, refusals, 1)
	assert.Equal(t, "station:bench-b", refusals[0].Actor)
	assert.Equal(t, "lot L-SHUT: closed lot", refusals[0].Detail)
	m, err := c.Registry().DeviceMember(ctx, "8a3f21c7")
	require.NoError(t, err)
	assert.Equal(t, "station:bench-a", m.JoinedBy)

	token := controllertest.Token(t, c, controller.RoleOperator)
	client := api.NewClient(c.APIURL(), nil).WithToken(token)
	sts, err := client.Stations(ctx)
	require.NoError(t, err)
	require.Len(t, sts, 2)
	assert.Equal(t, api.Station{Name: "bench-a", Lot: "L-OPEN", AgentLot: "L-OPEN", LastSeen: sts[0].LastSeen, Phones: 2}, sts[0])
	assert.Equal(t, "L-SHUT", sts[1].Lot)
	dev, err := client.Device(ctx, "R5CW21XKQ7M")
	require.NoError(t, err)
	assert.Equal(t, "bench-b", dev.Device.Station)
	assert.NotNil(t, dev.Device.State, "a refused phone is still reported")

	_, err = client.SetStationLot(ctx, "bench-b", api.StationLotRequest{Lot: "L-OPEN", Note: "the flag named a closed lot"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		lot, err := c.Registry().DeviceLot(ctx, "R5CW21XKQ7M")
		return err == nil && lot == "L-OPEN"
	}, 60*time.Second, 50*time.Millisecond, "bench-b's phone joins the lot the operator chose at its next report")
}
