package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/controllertest"
)

// TestBurstLosesNothingAndReleaseCompletes is the benchmark in small, as a
// guard on loss and order: agents publish reports as fast as acks allow;
// every device ends on its newest report with nothing stale; then a release
// of every phone gets every factory reset acknowledged. Counts only.
func TestBurstLosesNothingAndReleaseCompletes(t *testing.T) {
	c := controllertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	res, err := Run(ctx, Target{APIURL: c.APIURL(), BrokerURL: c.BrokerURL(), Token: controllertest.AdminToken(t, c)}, Options{Agents: 100, Reports: 100, Release: true})
	require.NoError(t, err)
	assert.Equal(t, 100, res.AgentsConnected)
	assert.Equal(t, uint64(100*100), res.ReportsPublished)
	assert.Zero(t, res.Lost, "every device holds its newest report")
	assert.Zero(t, res.Stale, "no report was overtaken by an older one")
	assert.Equal(t, res.ReportsPublished, res.ReportsPersisted+res.Superseded, "each report written or superseded")
	assert.Equal(t, 100, res.ReleaseAcknowledged, "every factory_reset acknowledged")
	require.NotNil(t, res.ReleaseAgentsCPUS, "the agents' CPU during the release is measured")
	assert.Positive(t, *res.ReleaseAgentsCPUS, "100 agents answering use some CPU")
	assert.Nil(t, res.ReleaseControllerCPUS, "an in-process controller's CPU is not known")
}
