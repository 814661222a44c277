package api

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// releaseQueryCases are raw queries of the release list, good and bad: the
// table test's and the fuzzer's seeds.
var releaseQueryCases = []struct {
	raw string
	ok  bool
}{
	{"", true},
	{"state=running&device=SER-1&limit=50", true},
	{"lot=L-1&batch=b1&since=2026-12-06T09:00:00Z&until=2026-12-07T00:00:00.5Z&cursor=abc", true},
	{"id=r1&id=r2", true},
	{"id=r1&state=running", false},
	{"state=done", false},
	{"state=running&state=failed", false},
	{"limit=1001", false},
	{"limit=0", false},
	{"limit=ten", false},
	{"since=yesterday", false},
	{"owner=ana", false},
}

func TestParseReleaseQuery(t *testing.T) {
	for _, tc := range releaseQueryCases {
		v, err := url.ParseQuery(tc.raw)
		require.NoError(t, err)
		q, err := ParseReleaseQuery(v)
		if !tc.ok {
			assert.Error(t, err, tc.raw)
			continue
		}
		require.NoError(t, err, tc.raw)
		back, err := ParseReleaseQuery(q.Values())
		require.NoError(t, err, tc.raw)
		assert.Equal(t, q, back, "Values and ParseReleaseQuery are one definition: %s", tc.raw)
	}
	q := ReleaseQuery{State: ReleaseStateOnHold, Since: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC), Limit: 7}
	back, err := ParseReleaseQuery(q.Values())
	require.NoError(t, err)
	assert.Equal(t, q, back)
}

// FuzzParseReleaseQuery: any query string parses or is refused without a
// panic, and what parses survives a round trip through Values.
func FuzzParseReleaseQuery(f *testing.F) {
	for _, tc := range releaseQueryCases {
		f.Add(tc.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseReleaseQuery(v)
		if err != nil {
			return
		}
		back, err := ParseReleaseQuery(q.Values())
		if err != nil {
			t.Fatalf("%q parsed, but its Values %q did not: %v", raw, q.Values().Encode(), err)
		}
		if !back.Since.Equal(q.Since) || !back.Until.Equal(q.Until) || back.State != q.State || back.Limit != q.Limit ||
			back.Cursor != q.Cursor || back.DeviceID != q.DeviceID || back.Lot != q.Lot || back.Batch != q.Batch || len(back.IDs) != len(q.IDs) {
			t.Fatalf("%q: round trip changed %+v into %+v", raw, q, back)
		}
	})
}
