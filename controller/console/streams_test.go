package console_test

import (
	"bufio"
	"context"
	"github.com/unbind/unbind/controller/httpapi"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// streamClient opens event streams with b's session, each on its own
// connection.
func streamClient(b *browser) *http.Client {
	return &http.Client{Jar: b.hc.Jar, Transport: &http.Transport{MaxIdleConnsPerHost: 512}}
}

// openStreams asks for n event streams at once and returns the statuses it
// got within a generous bound (0 for none: the request is stuck in the
// listen queue) and the bodies of the streams that opened; the test's end
// closes them.
func openStreams(t *testing.T, b *browser, n int) (map[int]int, []*http.Response) {
	t.Helper()
	hc := streamClient(b)
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		open     []*http.Response
		wg       sync.WaitGroup
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A stream that has not answered in 15 s is stuck; one that did
			// lives until the test ends.
			ctx, cancel := context.WithCancel(context.Background())
			stuck := time.AfterFunc(15*time.Second, cancel)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/events", nil)
			resp, err := hc.Do(req)
			stuck.Stop()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				cancel()
				statuses[0]++
				return
			}
			statuses[resp.StatusCode]++
			if resp.StatusCode != http.StatusOK {
				resp.Body.Close()
				cancel()
				return
			}
			open = append(open, resp)
			t.Cleanup(func() { resp.Body.Close(); cancel() })
		}()
	}
	wg.Wait()
	return statuses, open
}

// TestEventStreamsCapped: one viewer asking for more event streams than the
// API has connections gets its per-sign-in share and 429 for the rest, at
// once; however many sign-ins it makes, all streams together stay under the
// cap; and /healthz and ordinary pages keep answering everyone meanwhile.
func TestEventStreamsCapped(t *testing.T) {
	const conns = 40 // the API's connections; streams may hold a quarter
	c := controllertest.StartServing(t, func(cfg *httpapi.ServeConfig) { cfg.MaxConns = conns })
	token := controllertest.Token(t, c, controller.RoleViewer)

	first := signIn(t, c.APIURL(), token)
	statuses, open := openStreams(t, first, conns+8)
	assert.Equal(t, map[int]int{http.StatusOK: 6, http.StatusTooManyRequests: conns + 2}, statuses, "one sign-in: six streams, the rest refused at once")

	second := signIn(t, c.APIURL(), token)
	statuses, more := openStreams(t, second, conns+8)
	assert.Equal(t, map[int]int{http.StatusOK: conns/4 - 6, http.StatusTooManyRequests: conns + 8 - (conns/4 - 6)}, statuses, "all streams together: a quarter of the connections")
	open = append(open, more...)

	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get(c.APIURL() + "/healthz")
	require.NoError(t, err, "healthz answers while %d streams are open", len(open))
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	other := as(t, c, controller.RoleViewer)
	status, _ := other.get("/fragments/counts")
	assert.Equal(t, http.StatusOK, status, "another viewer's pages answer")

	// The streams that opened are live ones.
	line, err := bufio.NewReader(open[0].Body).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "retry: 2000\n", line)
}

// TestRevokedOperatorStreamEnds: revoking an operator ends its open event
// stream at once (not at its next click), and signing out ends the streams
// of that sign-in.
func TestRevokedOperatorStreamEnds(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	token, err := c.AddOperator(ctx, "watcher", controller.RoleViewer, false, registry.ActorController, "")
	require.NoError(t, err)
	b := signIn(t, c.APIURL(), token)
	statuses, open := openStreams(t, b, 1)
	require.Equal(t, map[int]int{http.StatusOK: 1}, statuses)

	require.NoError(t, controllertest.Client(t, c).RevokeOperator(ctx, "watcher", ""))
	assert.True(t, streamEnds(t, open[0]), "the revoked operator's stream ends")

	viewer := as(t, c, controller.RoleViewer)
	statuses, open = openStreams(t, viewer, 1)
	require.Equal(t, map[int]int{http.StatusOK: 1}, statuses)
	status, _ := viewer.post("/logout", nil, true)
	require.Equal(t, http.StatusSeeOther, status)
	assert.True(t, streamEnds(t, open[0]), "signing out ends the sign-in's streams")
}

// streamEnds reads the stream to its end; false if it was still open after
// a bound far past anything the controller needs (its heartbeat re-check
// comes at 15 s).
func streamEnds(t *testing.T, resp *http.Response) bool {
	t.Helper()
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
		}
	}()
	select {
	case <-ended:
		return true
	case <-time.After(10 * time.Second):
		resp.Body.Close()
		<-ended
		return false
	}
}
