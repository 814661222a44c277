package console_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
)

func TestRelease(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, fleetPhones()...)
	op := as(t, c, controller.RoleOperator)

	status, body := op.post("/release/confirm", url.Values{"id": {"safe-1"}}, true)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Release 1 phone?")
	assert.NotContains(t, body, `name="count"`, "one phone needs no typed count")
	status, loc := op.post("/release", url.Values{"id": {"safe-1"}, "note": {"bench 3"}}, true)
	require.Equal(t, http.StatusSeeOther, status, loc)
	require.True(t, strings.HasPrefix(loc, "/releases?batch="), loc)
	status, body = op.get(loc)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "SAFE1")
	assert.Contains(t, body, "certificates.zip?batch=")
	rs, err := c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, "safe-1", rs[0].DeviceID)
	assert.True(t, strings.HasPrefix(rs[0].Operator, "test-operator-"), "the release runs in the signed-in operator's name")
	_, body = op.get("/?release=running")
	assert.Contains(t, body, ">SAFE1<")

	status, loc = op.post("/releases/cancel", url.Values{"id": {"safe-1"}}, true)
	require.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/releases", loc)
	rs, err = c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rs)

	status, _ = op.get("/releases/certificates.zip?batch=" + url.QueryEscape(time.Now().UTC().Format(time.RFC3339Nano)))
	assert.Equal(t, http.StatusOK, status)
}

func TestReleaseManyNeedsTypedCount(t *testing.T) {
	c := controllertest.Start(t)
	var ps []phone
	ids := url.Values{}
	for i := range 12 {
		id := fmt.Sprintf("m%02d", i)
		ps = append(ps, phone{id: id, serial: id, online: true})
		ids.Add("id", id)
	}
	seed(t, c, ps...)
	op := as(t, c, controller.RoleOperator)
	status, body := op.post("/release/confirm", url.Values{"all": {"1"}, "verdict": {"safe"}}, true)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Release 12 phones?")
	assert.Contains(t, body, `name="count"`)
	for _, wrong := range []string{"", "11"} {
		form := cloneForm(ids)
		form.Set("count", wrong)
		status, body = op.post("/release", form, true)
		assert.Equal(t, http.StatusUnprocessableEntity, status)
		assert.Contains(t, body, "Type 12")
	}
	rs, err := c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rs, "nothing starts without the count")
	form := cloneForm(ids)
	form.Set("count", "12")
	status, _ = op.post("/release", form, true)
	require.Equal(t, http.StatusSeeOther, status)
	rs, err = c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	assert.Len(t, rs, 12)
}

// TestEvents: a release started elsewhere (the API, the CLI) reaches an
// open event stream as a change of its phone.
func TestEvents(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, phone{id: "safe-1", serial: "S", online: true})
	b := as(t, c, controller.RoleViewer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.APIURL()+"/events", nil)
	require.NoError(t, err)
	resp, err := b.hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	require.Equal(t, "retry: 2000", <-lines, "the stream is open")
	_, err = c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"safe-1"}, Operator: "tester"})
	require.NoError(t, err)
	var got []string
	require.Eventually(t, func() bool {
		for {
			select {
			case l := <-lines:
				got = append(got, l)
			default:
				return strings.Contains(strings.Join(got, "\n"), "event: release\ndata: \"safe-1\"")
			}
		}
	}, 30*time.Second, 20*time.Millisecond)
	cancel()
}
