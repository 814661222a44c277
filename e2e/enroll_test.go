package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// TestEnrollment: a token is good for one enrollment, within its lifetime;
// the agent gets the controller's key and credentials the registry knows
// only by hash.
func TestEnrollment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := controllertest.Start(t)
	tok, err := c.NewEnrollmentToken(ctx, time.Hour)
	require.NoError(t, err)

	e, err := agent.Enroll(ctx, nil, c.APIURL(), tok.Token, "phone-1")
	require.NoError(t, err)
	assert.Equal(t, "phone-1", e.DeviceID)
	assert.Equal(t, c.PublicKey(), e.ControllerKey)
	assert.Equal(t, c.BrokerURL(), e.BrokerURL)
	assert.NotEmpty(t, e.Password)
	cred, err := c.Registry().CredentialByUsername(ctx, e.Username)
	require.NoError(t, err)
	assert.Equal(t, "phone-1", cred.DeviceID)
	assert.NotContains(t, cred.PasswordHash, e.Password, "only a hash is stored")

	_, err = agent.Enroll(ctx, nil, c.APIURL(), tok.Token, "phone-2")
	assert.ErrorIs(t, err, agent.ErrEnrollRefused, "a token is spent once")
	_, err = agent.Enroll(ctx, nil, c.APIURL(), "made-up", "phone-2")
	assert.ErrorIs(t, err, agent.ErrEnrollRefused)
	_, err = c.Registry().CredentialByUsername(ctx, "phone-2")
	assert.ErrorIs(t, err, registry.ErrNotFound)

	short, err := c.NewEnrollmentToken(ctx, time.Nanosecond)
	require.NoError(t, err)
	time.Sleep(time.Millisecond) // past a nanosecond lifetime; not a timing assertion
	_, err = agent.Enroll(ctx, nil, c.APIURL(), short.Token, "phone-3")
	assert.ErrorIs(t, err, agent.ErrEnrollRefused, "expired")

	body, _ := json.Marshal(map[string]string{"token": "x", "device_id": "a/b"})
	resp, err := http.Post(c.APIURL()+"/api/v1/enroll", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "device IDs that would escape a topic are refused")
}
