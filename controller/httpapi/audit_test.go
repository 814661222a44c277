package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// call sends one request with the API token tok ("" for none), a JSON
// Content-Type on POSTs, and decodes the answer into v.
func call(t *testing.T, tok, method, url string, body string, v any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if v != nil {
		require.NoError(t, json.Unmarshal(b, v), "body %s", b)
	}
	return resp.StatusCode
}

func TestAuditAndCertificateAPI(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	reg := c.Registry()
	base := c.APIURL()
	now := time.Now().UTC().Truncate(time.Second)
	tok, err := c.AddOperator(ctx, "bo", controller.RoleOperator, false, registry.ActorController, "")
	require.NoError(t, err)

	require.NoError(t, reg.Apply(ctx, []registry.Update{controllertest.StateUpdate("p1", now.Add(-time.Minute), protocol.RiskGoogleFRP), controllertest.StateUpdate("p1", now.Add(-50*time.Second))}))
	var e api.ErrorBody
	assert.Equal(t, http.StatusNotFound, call(t, tok, "GET", base+"/api/v1/devices/p1/certificate", "", &e))
	assert.Equal(t, http.StatusConflict, call(t, tok, "POST", base+"/api/v1/devices/p1/certificate", "", &e))
	assert.Contains(t, e.Error, "no release was run")
	assert.Equal(t, http.StatusNotFound, call(t, tok, "POST", base+"/api/v1/devices/ghost/certificate", "", &e))

	// A finished release with a succeeded reset after a safe report; the
	// workflow never touches finished releases.
	reset := protocol.Command{V: protocol.Version, ID: "c-reset", DeviceID: "p1", Kind: protocol.CommandFactoryReset,
		IssuedAt: now.Add(-40 * time.Second), ExpiresAt: now.Add(time.Hour)}
	require.NoError(t, reg.RecordCommand(ctx, reset, reset.IssuedAt))
	require.NoError(t, reg.Apply(ctx, []registry.Update{{DeviceID: "p1", ReceivedAt: now.Add(-30 * time.Second), Event: &protocol.CommandEvent{
		V: protocol.Version, DeviceID: "p1", CommandID: "c-reset", State: protocol.CommandSucceeded, At: now.Add(-30 * time.Second),
		Detail: "wipe_started: root_broadcast"}}}))
	require.NoError(t, reg.CreateRelease(ctx, registry.ReleaseRecord{ID: "r1", DeviceID: "p1", Operator: "ana", Stage: "released",
		Outcome: registry.OutcomeReleased, CommandID: "c-reset", CreatedAt: now.Add(-55 * time.Second), Deadline: now.Add(time.Hour),
		FinishedAt: now.Add(-30 * time.Second)}))

	var first, again, got api.CertificateBody
	require.Equal(t, http.StatusCreated, call(t, tok, "POST", base+"/api/v1/devices/p1/certificate", `{"note":"for the buyer"}`, &first))
	assert.Equal(t, "r1", first.ReleaseID)
	require.Equal(t, http.StatusOK, call(t, tok, "POST", base+"/api/v1/devices/p1/certificate", "", &again), "one certificate per release")
	assert.Equal(t, first, again)
	require.Equal(t, http.StatusOK, call(t, tok, "GET", base+"/api/v1/devices/p1/certificate", "", &got))
	assert.Equal(t, first, got)
	assert.Equal(t, http.StatusBadRequest, call(t, tok, "POST", base+"/api/v1/devices/p1/certificate", `{"nope":1}`, &e))

	// The key served is the one that verifies the certificate.
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/key", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	pem, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	pub, err := protocol.ParsePublicKey(pem)
	require.NoError(t, err)
	assert.Equal(t, c.PublicKey(), pub)
	require.NoError(t, cert.Verify([]byte(got.File), pub))

	var trail api.AuditBody
	require.Equal(t, http.StatusOK, call(t, tok, "GET", base+"/api/v1/devices/p1/audit", "", &trail))
	var actions []string
	for _, en := range trail.Entries {
		actions = append(actions, en.Actor+" "+en.Action)
	}
	assert.Equal(t, []string{"agent:p1 state.changed", "agent:p1 state.changed", "controller command", "agent:p1 command",
		"operator:ana release.created", "operator:bo certificate.issued"}, actions)
	require.Equal(t, http.StatusOK, call(t, tok, "GET", base+"/api/v1/audit?limit=2", "", &trail))
	assert.Len(t, trail.Entries, 2)
	assert.Equal(t, http.StatusBadRequest, call(t, tok, "GET", base+"/api/v1/audit?limit=x", "", &e))
	assert.Equal(t, http.StatusNotFound, call(t, tok, "GET", base+"/api/v1/devices/ghost/audit", "", &e))
}
