package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// waitingRelease stores a release whose reset screen is open on the phone.
func waitingRelease(t *testing.T, c *controller.Controller, id, device string) {
	t.Helper()
	now := time.Now().UTC()
	require.NoError(t, c.Registry().CreateRelease(context.Background(), registry.ReleaseRecord{
		ID: id, DeviceID: device, Operator: "ana", Stage: string(release.StageWaitingForReset),
		CreatedAt: now, Deadline: now.Add(time.Hour),
		Evidence: []registry.ReleaseEvidence{{Kind: string(release.EvidenceResetScreenOpened), At: now,
			Source: "agent: reset screen", Boot: "boot-1"}},
	}))
}

func TestConfirmReset(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t)
	seed(t, c, phone{id: "wait-1", serial: "WAIT1", maker: "Xiaomi", model: "13", online: true})
	waitingRelease(t, c.Controller, "rel-wait", "wait-1")
	const button = `id="confirm-reset-rel-wait"`

	viewer := as(t, c, controller.RoleViewer)
	status, body := viewer.get("/phones/wait-1")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "reset screen open on the phone: waiting for the person to confirm the reset")
	assert.Contains(t, body, "reset screen opened on the phone, ", "the evidence, with its time")
	assert.NotContains(t, body, button, "a viewer sees no button")
	_, body = viewer.get("/releases")
	assert.NotContains(t, body, button)
	status, _ = viewer.post("/releases/rel-wait/confirm-reset", url.Values{"sure": {"yes"}}, true)
	assert.Equal(t, http.StatusForbidden, status, "a viewer may not confirm")

	op := as(t, c, controller.RoleOperator)
	for _, path := range []string{"/phones/wait-1", "/releases"} {
		status, body = op.get(path)
		require.Equal(t, http.StatusOK, status)
		assert.Contains(t, body, button, path)
		assert.Contains(t, body, "The phone shows the setup screen — confirm reset", path)
	}
	status, _ = op.post("/releases/rel-wait/confirm-reset", url.Values{"sure": {"yes"}}, false)
	assert.Equal(t, http.StatusForbidden, status, "no CSRF token")

	status, body = op.post("/releases/rel-wait/confirm-reset", nil, true)
	require.Equal(t, http.StatusOK, status, "the first post asks")
	assert.Contains(t, body, "Yes: the phone shows the setup screen")
	assert.Contains(t, body, `name="sure" value="yes"`)
	rel, err := c.Registry().Release(ctx, "rel-wait")
	require.NoError(t, err)
	require.False(t, rel.Finished(), "still waiting after the confirmation step")

	status, loc := op.post("/releases/rel-wait/confirm-reset", url.Values{"sure": {"yes"}, "note": {"wizard on screen"}}, true)
	require.Equal(t, http.StatusSeeOther, status, loc)
	assert.Equal(t, "/phones/wait-1", loc)
	rel, err = c.Registry().Release(ctx, "rel-wait")
	require.NoError(t, err)
	assert.Equal(t, registry.OutcomeReleased, rel.Outcome)
	require.NotEmpty(t, rel.Evidence)
	last := rel.Evidence[len(rel.Evidence)-1]
	assert.Equal(t, string(release.EvidenceOperatorConfirmed), last.Kind)
	assert.True(t, strings.HasPrefix(last.Source, "operator:test-operator-"), last.Source)

	audit, err := c.Registry().Audit(ctx, "wait-1", 50)
	require.NoError(t, err)
	var found bool
	for _, a := range audit {
		if a.Note == "wizard on screen" {
			found = true
			assert.True(t, strings.HasPrefix(a.Actor, "operator:test-operator-"), "audited in the operator's name: %s", a.Actor)
		}
	}
	assert.True(t, found, "the confirmation is in the audit trail: %+v", audit)

	_, body = op.get("/phones/wait-1")
	assert.Contains(t, body, "an operator saw the setup screen")
	assert.NotContains(t, body, button, "no button once released")
	status, _ = op.post("/releases/rel-wait/confirm-reset", url.Values{"sure": {"yes"}}, true)
	assert.Equal(t, http.StatusConflict, status, "a finished release cannot be confirmed")
	status, _ = op.post("/releases/nope/confirm-reset", url.Values{"sure": {"yes"}}, true)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestWaitingForResetWords(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, phone{id: "wait-2", serial: "WAIT2", maker: "Xiaomi", model: "13", online: true})
	waitingRelease(t, c.Controller, "rel-wait-2", "wait-2")
	op := as(t, c, controller.RoleOperator)
	_, body := op.get("/")
	assert.Contains(t, body, "reset screen open on the phone: waiting for the person to confirm the reset")
	assert.Contains(t, body, "The reset screen is open on the phone", "the next step says what to do")
}
