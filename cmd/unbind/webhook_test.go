package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/webhooks"
)

func TestWebhookFlags(t *testing.T) {
	const def = "http://127.0.0.1:8080"
	runFlagCases(t, []flagCase[webhookOptions]{
		{"add", (newWebhookAddCmd), []string{"https://x.test/h", "--events", "device.safe,release.failed"},
			webhookOptions{API: def, Output: "table", URL: "https://x.test/h", Events: []string{"device.safe", "release.failed"}}, false},
		{"add without events", (newWebhookAddCmd), []string{"https://x.test/h"}, webhookOptions{}, true},
		{"add without url", (newWebhookAddCmd), []string{"--events", "device.safe"}, webhookOptions{}, true},
		{"list json", (newWebhookListCmd), []string{"-o", "json"}, webhookOptions{API: def, Output: "json"}, false},
		{"list bad output", (newWebhookListCmd), []string{"-o", "yaml"}, webhookOptions{}, true},
		{"remove", (newWebhookRemoveCmd), []string{"abc"}, webhookOptions{API: def, Output: "table", ID: "abc"}, false},
		{"remove needs id", (newWebhookRemoveCmd), nil, webhookOptions{}, true},
		{"test", (newWebhookTestCmd), []string{"abc", "--api", "http://x:1"}, webhookOptions{API: "http://x:1", Output: "table", ID: "abc"}, false},
		{"deliveries", (newWebhookDeliveriesCmd), []string{"--webhook", "abc", "--state", "failed", "-o", "json"},
			webhookOptions{API: def, Output: "json", WebhookID: "abc", State: "failed", Limit: 100}, false},
		{"deliveries stray arg", (newWebhookDeliveriesCmd), []string{"abc"}, webhookOptions{}, true},
	})
}

// TestWebhookCommandsAgainstController: add prints the secret once, a
// receiver gets the test event signed with it, deliveries and list show
// the state, remove stops the webhook.
func TestWebhookCommandsAgainstController(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()
	var secret atomic.Value
	secret.Store("")
	var verified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		if webhooks.Verify(secret.Load().(string), r.Header.Get(webhooks.SignatureHeader), buf.Bytes(), time.Now(), 0) == nil {
			verified.Add(1)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)

	io, _, _ := testStreams()
	require.Error(t, webhookAddRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "table", URL: "ftp://x.test/", Events: []string{"device.safe"}}))
	require.Error(t, webhookAddRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "table", URL: srv.URL, Events: []string{"device.exploded"}}))

	io, out, errb := testStreams()
	require.NoError(t, webhookAddRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "table", URL: srv.URL, Events: []string{"device.safe", "release.released"}}))
	sec := strings.TrimSpace(out.String())
	require.True(t, strings.HasPrefix(sec, "whsec_"), out.String())
	assert.Contains(t, errb.String(), "shown this once")
	secret.Store(sec)

	io, out, _ = testStreams()
	require.NoError(t, webhookListRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "json"}))
	var listed api.WebhooksBody
	require.NoError(t, json.Unmarshal(out.Bytes(), &listed))
	require.Len(t, listed.Webhooks, 1)
	wh := listed.Webhooks[0]
	assert.Equal(t, srv.URL, wh.URL)
	assert.Empty(t, wh.Secret, "the secret is shown once only")
	assert.NotContains(t, out.String(), sec)

	io, out, _ = testStreams()
	require.NoError(t, webhookTestRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "json", ID: wh.ID}))
	var queued api.WebhookTest
	require.NoError(t, json.Unmarshal(out.Bytes(), &queued))
	require.NotEmpty(t, queued.EventID)

	var ds api.WebhookDeliveriesBody
	require.Eventually(t, func() bool {
		io, out, _ := testStreams()
		require.NoError(t, webhookDeliveriesRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "json", WebhookID: wh.ID}))
		require.NoError(t, json.Unmarshal(out.Bytes(), &ds))
		return len(ds.Deliveries) == 1 && ds.Deliveries[0].State == "delivered"
	}, 60*time.Second, 20*time.Millisecond)
	assert.Equal(t, queued.EventID, ds.Deliveries[0].EventID)
	assert.Equal(t, "webhook.test", ds.Deliveries[0].EventType)
	assert.Equal(t, http.StatusNoContent, ds.Deliveries[0].LastStatus)
	assert.EqualValues(t, 1, verified.Load())

	io, out, _ = testStreams()
	require.NoError(t, webhookDeliveriesRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "table", State: "delivered"}))
	assert.Regexp(t, queued.EventID+` +webhook.test +delivered +1 `, out.String())

	io, out, _ = testStreams()
	require.NoError(t, webhookRemoveRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "table", ID: wh.ID}))
	assert.Equal(t, "removed "+wh.ID+"\n", out.String())
	io, _, _ = testStreams()
	require.Error(t, webhookRemoveRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "table", ID: wh.ID}))
	require.Error(t, webhookTestRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "table", ID: wh.ID}))

	io, out, _ = testStreams()
	require.NoError(t, webhookListRun(ctx, io, &webhookOptions{API: c.APIURL(), Output: "table"}))
	assert.Regexp(t, wh.ID+` +`+srv.URL+` +device.safe,release.released +\S+ +operator:test-admin-\d+ +\d{4}-`, out.String())
}
