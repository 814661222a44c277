package registry

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

const leaseTTL = 30 * time.Second

// leasedRelease stores a device and a running release of it.
func leasedRelease(t *testing.T, s *Store, id string) ReleaseRecord {
	t.Helper()
	applyOK(t, s, presenceUpd("dev-"+id, protocol.Online, at(0)))
	r := ReleaseRecord{ID: id, DeviceID: "dev-" + id, Operator: "op", Stage: "verify", CreatedAt: at(0), Deadline: at(3600)}
	require.NoError(t, s.CreateRelease(context.Background(), r))
	r.UpdatedAt = r.CreatedAt
	return r
}

// step moves r to stage, as decided on r as read.
func step(r ReleaseRecord, stage string, now time.Time) ReleaseStep {
	next := r
	next.Stage, next.UpdatedAt = stage, now
	if stage == "released" {
		next.Outcome, next.FinishedAt = "released", now
	}
	return ReleaseStep{Release: next, ReadAt: r.UpdatedAt}
}

func TestReleaseLeases(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		r := leasedRelease(t, s, "rel1")

		got, err := s.ClaimReleases(ctx, "a", []string{r.ID}, at(10), leaseTTL)
		require.NoError(t, err)
		assert.Equal(t, Lease{Owner: "a", Expires: at(40)}, got[r.ID], "a free release goes to the first claim")
		got, err = s.ClaimReleases(ctx, "b", []string{r.ID}, at(39), leaseTTL)
		require.NoError(t, err)
		assert.Equal(t, "a", got[r.ID].Owner, "a held lease is not taken")

		held, err := s.RenewReleaseLeases(ctx, "a", at(20), leaseTTL)
		require.NoError(t, err)
		assert.Equal(t, []string{r.ID}, held)
		got, err = s.ClaimReleases(ctx, "b", []string{r.ID}, at(45), leaseTTL)
		require.NoError(t, err)
		assert.Equal(t, "a", got[r.ID].Owner, "a renewed lease holds until its new expiry")

		// a stalls past its lease; b takes the release over.
		got, err = s.ClaimReleases(ctx, "b", []string{r.ID}, at(50), leaseTTL)
		require.NoError(t, err)
		assert.Equal(t, Lease{Owner: "b", Expires: at(80)}, got[r.ID], "a lapsed lease is taken")
		held, err = s.RenewReleaseLeases(ctx, "a", at(51), leaseTTL)
		require.NoError(t, err)
		assert.Empty(t, held, "a lost lease is not renewed")

		refused, err := s.StepLeasedReleases(ctx, "a", at(52), []ReleaseStep{step(r, "reset", at(52))})
		require.NoError(t, err)
		assert.Len(t, refused, 1, "the former holder's step is refused")
		cur, err := s.Release(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, "verify", cur.Stage)

		refused, err = s.StepLeasedReleases(ctx, "b", at(53), []ReleaseStep{step(r, "sign_out", at(53))})
		require.NoError(t, err)
		assert.Empty(t, refused, "the holder's step is saved")
		refused, err = s.StepLeasedReleases(ctx, "b", at(54), []ReleaseStep{step(r, "reset", at(54))})
		require.NoError(t, err)
		assert.Len(t, refused, 1, "a step decided on an older read of the release is refused")

		cur, err = s.Release(ctx, r.ID)
		require.NoError(t, err)
		refused, err = s.StepLeasedReleases(ctx, "b", at(55), []ReleaseStep{step(cur, "released", at(55))})
		require.NoError(t, err)
		assert.Empty(t, refused)
		got, err = s.ClaimReleases(ctx, "a", []string{r.ID}, at(56), leaseTTL)
		require.NoError(t, err)
		assert.Equal(t, "a", got[r.ID].Owner, "a finished release gave its lease up")
	})
}

// TestReleaseLeaseClaimRace: controllers claiming the same releases at once
// each get a share, and no release two owners.
func TestReleaseLeaseClaimRace(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		var ids []string
		for i := range 50 {
			ids = append(ids, leasedRelease(t, s, fmt.Sprintf("rel%02d", i)).ID)
		}
		owners := []string{"a", "b", "c"}
		results := make([]map[string]Lease, len(owners))
		var wg sync.WaitGroup
		for i, o := range owners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				results[i], err = s.ClaimReleases(ctx, o, ids, at(10), leaseTTL)
				assert.NoError(t, err)
			}()
		}
		wg.Wait()
		for _, id := range ids {
			var holders []string
			for i, o := range owners {
				if results[i][id].Owner == o {
					holders = append(holders, o)
				}
			}
			assert.Len(t, holders, 1, "release %s held by %v", id, holders)
		}
	})
}
