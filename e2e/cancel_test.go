package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

// TestCancelRelease cancels releases through the API at each stage: a phone
// whose person is being guided (the release ends canceled, the guidance is
// canceled on the phone, and the phone is never reset), and a release past
// its reset (left alone). A viewer may not cancel.
func TestCancelRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := controllertest.NewClock()
	c := controllertest.Start(t, clock.Configure)
	guided := phone(androidsim.BoundXiaomi(), "mi-cancel", androidsim.Never)
	startFleet(t, c.BrokerURL(), []*androidsim.Phone{guided}, enrollVia(c))
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, guided.Serial())
		return err == nil && d.State != nil && d.Online
	}, "the phone reports")
	rs, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{guided.Serial()}, Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)
	var guidance string
	eventually(t, func() bool {
		got, err := c.Registry().Release(ctx, rs[0].ID)
		if err != nil || got.Stage != string(release.StageSignOut) || got.CommandID == "" {
			return false
		}
		cmd, err := c.Registry().Command(ctx, got.CommandID)
		guidance = got.CommandID
		return err == nil && (cmd.State == protocol.CommandAccepted || cmd.State == protocol.CommandInProgress)
	}, "the person is being guided")

	// A release already past its reset, straight in the registry: a
	// cancel must not interrupt it.
	c2 := controllertest.Start(t)
	_, err = c2.Registry().ApplyBatch(ctx, []registry.Update{controllertest.StateUpdate("resetting", time.Now())})
	require.NoError(t, err)
	now := time.Now().UTC()
	// Its reset command is recorded too: a release in reset whose command
	// is missing is repaired back to verify by the release loop.
	require.NoError(t, c2.Registry().RecordCommand(ctx, protocol.Command{V: protocol.Version, ID: "c-reset", DeviceID: "resetting",
		Kind: protocol.CommandFactoryReset, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}, now))
	require.NoError(t, c2.Registry().CreateRelease(ctx, registry.ReleaseRecord{ID: "r-reset", DeviceID: "resetting", Operator: "tester",
		Stage: string(release.StageReset), CommandID: "c-reset", CreatedAt: now, UpdatedAt: now, Deadline: now.Add(time.Hour)}))

	viewer := api.NewClient(c.APIURL(), nil).WithToken(controllertest.Token(t, c, controller.RoleViewer))
	_, err = viewer.CancelReleases(ctx, api.CancelReleasesRequest{All: true})
	var apiErr *api.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 403, apiErr.StatusCode, "a viewer may not cancel")

	res, err := controllertest.Client(t, c).CancelReleases(ctx, api.CancelReleasesRequest{DeviceIDs: []string{guided.Serial()}})
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.True(t, res[0].Canceled)
	got, err := c.Registry().Release(ctx, rs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, string(release.StageCanceled), got.Stage)
	assert.Contains(t, got.Reason, "canceled by test-admin-")
	eventually(t, func() bool {
		cmd, err := c.Registry().Command(ctx, guidance)
		return err == nil && cmd.State == protocol.CommandCanceled
	}, "the guidance is canceled on the phone")
	clock.Advance(t, 0) // a release loop pass must not bring it back
	got, err = c.Registry().Release(ctx, rs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, string(release.StageCanceled), got.Stage, "the cancel sticks")
	assert.False(t, guided.WasReset())

	res, err = controllertest.Client(t, c2).CancelReleases(ctx, api.CancelReleasesRequest{All: true})
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.False(t, res[0].Canceled, "a release past its reset is not interrupted")
	got, err = c2.Registry().Release(ctx, "r-reset")
	require.NoError(t, err)
	assert.Equal(t, string(release.StageReset), got.Stage)
}

// TestSecondReleaseRequest: asking again to release a phone whose release
// is running keeps that release and says so (Kept, its own deadline);
// asking with Restart replaces it with one that has the new timeout.
func TestSecondReleaseRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := controllertest.Start(t)
	p := phone(androidsim.BoundXiaomi(), "mi-again", androidsim.Never)
	startFleet(t, c.BrokerURL(), []*androidsim.Phone{p}, enrollVia(c))
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, p.Serial())
		return err == nil && d.State != nil && d.Online
	}, "the phone reports")
	client := controllertest.Client(t, c)
	first, err := client.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: []string{p.Serial()}, TimeoutSeconds: 600})
	require.NoError(t, err)
	require.Len(t, first, 1)
	assert.False(t, first[0].Kept)

	again, err := client.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: []string{p.Serial()}, TimeoutSeconds: 30})
	require.NoError(t, err)
	require.Len(t, again, 1)
	assert.True(t, again[0].Kept, "the running release is kept, and the answer says so")
	assert.Equal(t, first[0].ID, again[0].ID)
	assert.Equal(t, first[0].Deadline, again[0].Deadline, "its own deadline, not the new timeout")

	restarted, err := client.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: []string{p.Serial()}, TimeoutSeconds: 30, Restart: true})
	require.NoError(t, err)
	require.Len(t, restarted, 1)
	assert.False(t, restarted[0].Kept)
	assert.NotEqual(t, first[0].ID, restarted[0].ID)
	assert.WithinDuration(t, restarted[0].CreatedAt.Add(30*time.Second), restarted[0].Deadline, time.Second, "the new timeout applies")
	old, err := c.Registry().Release(ctx, first[0].ID)
	require.NoError(t, err)
	assert.Equal(t, string(release.StageCanceled), old.Stage, "the old release was canceled")
}
