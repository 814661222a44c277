package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// releaseBenchEnv sets how many releases TestReleaseListTimes seeds; the
// test is skipped without it.
const releaseBenchEnv = "UNBIND_RELEASE_BENCH"

// TestReleaseListTimes seeds $UNBIND_RELEASE_BENCH releases (batches of
// 50 over one phone per release, a tenth of the phones in a lot, the
// releases spread over 30 days and across every state) into a real SQLite
// registry and times GET /api/v1/releases through the real HTTP API, for
// each filter: the median of 20 calls, the whole request as a client sees
// it. bench/releases.txt records a run.
//
//	UNBIND_RELEASE_BENCH=20000 go test -run TestReleaseListTimes -v ./controller/httpapi/
func TestReleaseListTimes(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(releaseBenchEnv))
	if n <= 0 {
		t.Skipf("set %s to the number of releases to seed", releaseBenchEnv)
	}
	ctx := context.Background()
	c := controllertest.Start(t)
	start := time.Now().Add(-30 * 24 * time.Hour)
	var updates []registry.Update
	for i := range n {
		updates = append(updates, controllertest.StateUpdate(fmt.Sprintf("SER-%06d", i), start))
	}
	for len(updates) > 0 {
		k := min(len(updates), 1000)
		require.NoError(t, c.Registry().Apply(ctx, updates[:k]))
		updates = updates[k:]
	}
	op := api.NewClient(c.APIURL(), nil).WithToken(controllertest.Token(t, c, controller.RoleOperator))
	_, err := op.AddLot(ctx, api.LotRequest{ID: "L-1", Customer: "Acme"})
	require.NoError(t, err)
	var lot []string
	for i := 0; i < n; i += 10 {
		lot = append(lot, fmt.Sprintf("SER-%06d", i))
	}
	for len(lot) > 0 {
		k := min(len(lot), 500)
		_, err := op.JoinLot(ctx, "L-1", api.LotJoinRequest{Codes: lot[:k]})
		require.NoError(t, err)
		lot = lot[k:]
	}
	outcomes := []string{"", registry.StageOnHold, registry.OutcomeReleased, registry.OutcomeFailed, registry.OutcomeCanceled}
	var rs []registry.ReleaseRecord
	for i := range n {
		at := start.Add(time.Duration(i) * (30 * 24 * time.Hour / time.Duration(n)))
		r := registry.ReleaseRecord{ID: fmt.Sprintf("r%06d", i), DeviceID: fmt.Sprintf("SER-%06d", i), BatchID: fmt.Sprintf("b%05d", i/50),
			Operator: "ana", Stage: "verify", CreatedAt: at.Truncate(time.Minute), Deadline: at.Add(365 * 24 * time.Hour)}
		switch o := outcomes[i%len(outcomes)]; o {
		case "":
		case registry.StageOnHold:
			r.Stage = o
		default:
			r.Stage, r.Outcome, r.FinishedAt = o, o, at.Add(time.Minute)
		}
		rs = append(rs, r)
	}
	for len(rs) > 0 {
		k := min(len(rs), 1000)
		require.NoError(t, c.Registry().CreateReleases(ctx, rs[:k]))
		rs = rs[k:]
	}

	viewer := controllertest.Token(t, c, controller.RoleViewer)
	mid := start.Add(15 * 24 * time.Hour).UTC().Format(time.RFC3339)
	for _, q := range []url.Values{
		{},
		{"limit": {"1000"}},
		{"state": {"running"}},
		{"state": {"released"}},
		{"state": {"on_hold"}, "limit": {"1000"}},
		{"device": {fmt.Sprintf("SER-%06d", n/2)}},
		{"lot": {"L-1"}},
		{"batch": {fmt.Sprintf("b%05d", n/100)}},
		{"since": {mid}, "state": {"failed"}},
		{"state": {"failed"}},
		{"until": {mid}, "limit": {"10"}},
	} {
		var times []time.Duration
		var body api.ReleasesBody
		for range 20 {
			t0 := time.Now()
			require.Equal(t, 200, getRaw(t, c.APIURL(), viewer, api.PathReleases, q, &body))
			times = append(times, time.Since(t0))
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		t.Logf("%d releases  %-40s  %4d in the page  median %v  max %v", n, q.Encode(), len(body.Releases),
			times[len(times)/2].Round(10*time.Microsecond), times[len(times)-1].Round(10*time.Microsecond))
		assert.Less(t, times[len(times)/2], 250*time.Millisecond, q.Encode())
	}
}
