package registry

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChangeFeed: what one controller announces, another reads after the
// number it saw last; pruning keeps each writer's newest number.
func TestChangeFeed(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		stores := twoStores(t, e)
		a, b := stores[0], stores[1]
		for n := range int64(3) {
			require.NoError(t, a.AppendChange(ctx, Change{Writer: "a", Seq: n + 1, Kind: "device", Devices: []string{"d1", "d2"}, At: at(int(n))}))
		}
		require.NoError(t, a.AppendChange(ctx, Change{Writer: "c", Seq: 7, Kind: "release", At: at(5)}))
		assert.Error(t, a.AppendChange(ctx, Change{Writer: "a", Seq: 9, Kind: "device", Devices: []string{"two words"}, At: at(5)}))

		heads, err := b.ChangeHeads(ctx)
		require.NoError(t, err)
		assert.Equal(t, map[string]int64{"a": 3, "c": 7}, heads)
		got, err := b.ChangesAfter(ctx, "a", 1, 10)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, Change{Writer: "a", Seq: 2, Kind: "device", Devices: []string{"d1", "d2"}, At: at(1)}, got[0])

		require.NoError(t, a.PruneChanges(ctx, "a", at(100)))
		heads, err = b.ChangeHeads(ctx)
		require.NoError(t, err)
		assert.Equal(t, map[string]int64{"a": 3, "c": 7}, heads, "a writer's newest number outlives pruning")
		got, err = b.ChangesAfter(ctx, "a", 0, 10)
		require.NoError(t, err)
		assert.Len(t, got, 1)
	})
}
