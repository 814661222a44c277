package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/metrics"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// TestLotPhonesMetric: /metrics counts the phones of each open lot by the
// state of their newest release, every state present (0 when none), and
// leaves a closed lot out.
func TestLotPhonesMetric(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := controllertest.StartServing(t, func(cfg *httpapi.ServeConfig) { cfg.Metrics = metrics.New(metrics.Options{}) })
	reg := c.Registry()
	now := time.Now().UTC()
	var updates []registry.Update
	for _, id := range []string{"p1", "p2", "p3", "p4"} {
		updates = append(updates, controllertest.StateUpdate(id, now))
	}
	at := controllertest.StateUpdate("p5", now)
	at.State.Station = &protocol.Station{Name: "bench-1", Lot: "L-OPEN"} // joins at its station
	require.NoError(t, reg.Apply(ctx, append(updates, at)))
	for _, l := range []string{"L-OPEN", "L-SHUT", "L-EMPTY"} {
		_, err := c.AddLot(ctx, l, "Acme", "", "operator:ann", "")
		require.NoError(t, err)
	}
	_, err := c.JoinLot(ctx, "L-OPEN", []string{"p1", "p2", "p3"}, "operator:ann", "")
	require.NoError(t, err)
	_, err = c.JoinLot(ctx, "L-SHUT", []string{"p4"}, "operator:ann", "")
	require.NoError(t, err)
	_, err = c.CloseLot(ctx, "L-SHUT", "operator:ann", "")
	require.NoError(t, err)
	next := controllertest.StateUpdate("p5", now.Add(time.Second))
	next.State.Seq, next.State.Station = 2, at.State.Station
	require.NoError(t, reg.Apply(ctx, []registry.Update{next})) // p5's next report, now that its lot is open
	require.NoError(t, reg.CreateReleases(ctx, []registry.ReleaseRecord{
		{ID: "r1", DeviceID: "p1", Operator: "t", Stage: "released", Outcome: registry.OutcomeReleased,
			CreatedAt: now, Deadline: now.Add(time.Hour), FinishedAt: now.Add(time.Minute)},
		{ID: "r2", DeviceID: "p2", Operator: "t", Stage: "signing_out", CreatedAt: now, Deadline: now.Add(time.Hour)},
	}))

	status, fams := scrape(t, c.APIURL()+"/metrics", controllertest.Token(t, c, controller.RoleViewer))
	require.Equal(t, http.StatusOK, status)
	for _, tc := range []struct {
		lot, outcome string
		want         float64
	}{
		{"L-OPEN", "released", 1},
		{"L-OPEN", "running", 1},
		{"L-OPEN", "none", 2}, // p3, and p5 joined by its station
		{"L-OPEN", "failed", 0},
		{"L-EMPTY", "none", 0},
	} {
		v, ok := value(fams, "unbind_lot_phones", map[string]string{"lot": tc.lot, "outcome": tc.outcome})
		assert.True(t, ok, "unbind_lot_phones{lot=%s,outcome=%s} is present", tc.lot, tc.outcome)
		assert.Equal(t, tc.want, v, "unbind_lot_phones{lot=%s,outcome=%s}", tc.lot, tc.outcome)
	}
	_, ok := value(fams, "unbind_lot_phones", map[string]string{"lot": "L-SHUT"})
	assert.False(t, ok, "a closed lot has no series")
}
