package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// TestReleaseNotesCheckedByTheService: every caller (API, console, tests)
// gets the same refusal for a note that is not short printable text, from
// the service itself, and nothing is recorded.
func TestReleaseNotesCheckedByTheService(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{stateOf("n1", time.Now().UTC())}))
	for name, note := range map[string]string{
		"control character": "lot 7\x1b[31m",
		"too long":          strings.Repeat("x", controller.MaxNoteLen+1),
		"not UTF-8":         "\xff",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"n1"}, Operator: "tester", Note: note})
			assert.ErrorIs(t, err, controller.ErrBadName)
			_, err = c.ConfirmRelease(ctx, "no-such-release", "tester", note)
			assert.ErrorIs(t, err, controller.ErrBadName, "checked before the release is looked up")
			_, _, err = c.IssueCertificate(ctx, "n1", "tester", note)
			assert.ErrorIs(t, err, controller.ErrBadName)
		})
	}
	running, err := c.Registry().UnfinishedReleases(ctx)
	require.NoError(t, err)
	assert.Empty(t, running, "no release was started")
}

// TestStartReleasesSaysWhichWereKept: the answer itself says which releases
// were running before the request (kept as they were) and which it created,
// from the one read the decision was made on.
func TestStartReleasesSaysWhichWereKept(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{stateOf("k1", now), stateOf("k2", now)}))

	first, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"k1"}, Operator: "tester", Timeout: time.Hour})
	require.NoError(t, err)
	require.Len(t, first, 1)
	assert.False(t, first[0].Kept)

	second, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{"k1", "k2", "k2"}, Operator: "tester", Timeout: time.Hour})
	require.NoError(t, err)
	require.Len(t, second, 3)
	assert.True(t, second[0].Kept, "k1 was running")
	assert.Equal(t, first[0].ID, second[0].ID)
	assert.False(t, second[1].Kept, "k2 is new")
	assert.False(t, second[2].Kept, "named twice, still created by this request")
	assert.Equal(t, second[1].ID, second[2].ID)
}
