package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// getRaw sends GET path?query with token and decodes the JSON answer.
func getRaw(t *testing.T, base, token, path string, q url.Values, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path+"?"+q.Encode(), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.NoError(t, json.NewDecoder(res.Body).Decode(v))
	return res.StatusCode
}

// TestReleaseListOverAPI: a viewer lists releases by state, phone, lot,
// batch and time, page by page; bad filters (an unknown state, a huge or
// zero limit, an unknown parameter, a forged cursor, IDs mixed with
// filters) are 400s naming what is allowed, and unknown phones and lots
// are 404s.
func TestReleaseListOverAPI(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t)
	now := time.Now()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{
		controllertest.StateUpdate("SER-1", now), controllertest.StateUpdate("SER-2", now), controllertest.StateUpdate("SER-3", now),
	}))
	opToken := controllertest.Token(t, c, controller.RoleOperator)
	viewerToken := controllertest.Token(t, c, controller.RoleViewer)
	op := api.NewClient(c.APIURL(), nil).WithToken(opToken)
	viewer := api.NewClient(c.APIURL(), nil).WithToken(viewerToken)
	_, err := op.AddLot(ctx, api.LotRequest{ID: "L-1", Customer: "Acme"})
	require.NoError(t, err)
	_, err = op.JoinLot(ctx, "L-1", api.LotJoinRequest{Codes: []string{"SER-3"}})
	require.NoError(t, err)

	first, err := op.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: []string{"SER-1", "SER-2"}})
	require.NoError(t, err)
	require.Len(t, first, 2)
	batch := first[0].BatchID
	require.NotEmpty(t, batch)
	assert.Equal(t, batch, first[1].BatchID, "one request, one batch")
	second, err := op.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: []string{"SER-3"}})
	require.NoError(t, err)
	assert.NotEqual(t, batch, second[0].BatchID, "another request, another batch")
	_, err = op.CancelReleases(ctx, api.CancelReleasesRequest{DeviceIDs: []string{"SER-2"}})
	require.NoError(t, err)

	devices := func(rs []api.Release) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.DeviceID
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    api.ReleaseQuery
		want []string
	}{
		{"all, newest first", api.ReleaseQuery{}, []string{"SER-3", "SER-2", "SER-1"}},
		{"canceled", api.ReleaseQuery{State: api.ReleaseStateCanceled}, []string{"SER-2"}},
		{"running", api.ReleaseQuery{State: api.ReleaseStateRunning}, []string{"SER-3", "SER-1"}},
		{"released", api.ReleaseQuery{State: api.ReleaseStateReleased}, []string{}},
		{"device", api.ReleaseQuery{DeviceID: "SER-1"}, []string{"SER-1"}},
		{"lot", api.ReleaseQuery{Lot: "L-1"}, []string{"SER-3"}},
		{"batch", api.ReleaseQuery{Batch: batch}, []string{"SER-1", "SER-2"}},
		{"until the start", api.ReleaseQuery{Until: first[0].CreatedAt}, []string{}},
		{"since the second batch", api.ReleaseQuery{Since: second[0].CreatedAt}, []string{"SER-3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, next, err := viewer.ListReleases(ctx, tc.q)
			require.NoError(t, err, "a viewer reads the release list")
			// One request's releases share their start: in any order.
			assert.ElementsMatch(t, tc.want, devices(rs))
			assert.Empty(t, next)
			for _, r := range rs {
				if tc.q.State != "" {
					assert.Equal(t, tc.q.State, r.State)
				}
			}
		})
	}

	rs, _, err := viewer.ListReleases(ctx, api.ReleaseQuery{})
	require.NoError(t, err)
	assert.Equal(t, "SER-3", rs[0].DeviceID, "newest first")
	for _, st := range api.ReleaseStates {
		_, _, err := viewer.ListReleases(ctx, api.ReleaseQuery{State: st})
		assert.NoError(t, err, "the registry knows every state the API offers: %s", st)
	}

	// Page by page with the cursor: every release once.
	var all []string
	q := api.ReleaseQuery{Limit: 1}
	for range 5 {
		rs, next, err := viewer.ListReleases(ctx, q)
		require.NoError(t, err)
		all = append(all, devices(rs)...)
		if next == "" {
			break
		}
		q.Cursor = next
	}
	assert.ElementsMatch(t, []string{"SER-3", "SER-2", "SER-1"}, all)
	assert.Equal(t, "SER-3", all[0])

	for _, tc := range []struct {
		name   string
		q      url.Values
		status int
		says   string
	}{
		{"unknown state", url.Values{"state": {"done"}}, http.StatusBadRequest, "running, on_hold, released, failed, canceled"},
		{"huge limit", url.Values{"limit": {"1000000000"}}, http.StatusBadRequest, "from 1 to 1000"},
		{"zero limit", url.Values{"limit": {"0"}}, http.StatusBadRequest, "from 1 to 1000"},
		{"negative limit", url.Values{"limit": {"-5"}}, http.StatusBadRequest, "from 1 to 1000"},
		{"unknown parameter", url.Values{"owner": {"x"}}, http.StatusBadRequest, "want one of id, state"},
		{"repeated parameter", url.Values{"state": {"running", "failed"}}, http.StatusBadRequest, "give it once"},
		{"bad time", url.Values{"since": {"yesterday"}}, http.StatusBadRequest, "RFC 3339"},
		{"forged cursor", url.Values{"cursor": {"AAAA"}}, http.StatusBadRequest, "start the list again"},
		{"cursor not base64", url.Values{"cursor": {"'; DROP TABLE releases"}}, http.StatusBadRequest, "start the list again"},
		{"ids and filters", url.Values{"id": {first[0].ID}, "state": {"running"}}, http.StatusBadRequest, "does not combine"},
		{"unknown device", url.Values{"device": {"NOPE"}}, http.StatusNotFound, `device "NOPE" not found`},
		{"unknown lot", url.Values{"lot": {"NOPE"}}, http.StatusNotFound, `lot "NOPE" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body api.ErrorBody
			assert.Equal(t, tc.status, getRaw(t, c.APIURL(), viewerToken, api.PathReleases, tc.q, &body))
			assert.Contains(t, body.Error, tc.says)
		})
	}

	// Without a token, nothing.
	var body api.ErrorBody
	assert.Equal(t, http.StatusUnauthorized, getRaw(t, c.APIURL(), "", api.PathReleases, url.Values{}, &body))
	// The releases are all still there after the refused calls.
	rs, _, err = viewer.ListReleases(ctx, api.ReleaseQuery{})
	require.NoError(t, err)
	assert.Len(t, rs, 3)
}
