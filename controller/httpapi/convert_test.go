package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

func jsonKeys(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// TestJSONShape: the API's JSON keeps the shape clients rely on, whatever the
// registry's structs become.
func TestJSONShape(t *testing.T) {
	seen := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	m := jsonKeys(t, deviceOf(registry.Device{ID: "d1", FirstSeen: seen, LastSeen: seen, Verdict: ""}))
	for _, k := range []string{"id", "identity", "first_seen", "last_seen", "online", "presence_at", "state", "verdict", "state_seq"} {
		if k == "presence_at" {
			assert.NotContains(t, m, k, "zero times are left out")
			continue
		}
		assert.Contains(t, m, k)
	}
	assert.NotContains(t, m, "state_at", "zero times are left out")
	assert.Nil(t, m["state"], "no report is null, never a report")

	cmds := commandsOf([]registry.CommandRecord{{ID: "c1", State: protocol.CommandQueued,
		Transitions: []registry.CommandTransition{{At: seen, State: protocol.CommandQueued}}}})
	require.Len(t, cmds, 1)
	assert.Equal(t, protocol.CommandQueued, cmds[0].State)

	for _, v := range []any{
		api.StateChange{}, api.PresenceChange{}, cmds[0], cmds[0].Transitions[0], api.Summary{}, api.IngestStats{},
		api.Release{}, api.AuditEntry{}, api.CertificateBody{}, api.EnrollResponse{},
	} {
		for k := range jsonKeys(t, v) {
			assert.Regexp(t, `^[a-z]+(_[a-z]+)*$`, k, "%T", v)
		}
	}
}

// TestEmptyListsKeepTheirShape: lists the API has always answered with []
// stay [], and the histories the registry answers with [] are not turned
// into null.
func TestEmptyListsKeepTheirShape(t *testing.T) {
	assert.Equal(t, `{"devices":[]}`, marshal(t, api.DevicesBody{Devices: devicesOf(nil)}))
	assert.Equal(t, `{"releases":[]}`, marshal(t, api.ReleasesBody{Releases: releasesOf(nil)}))
	assert.Equal(t, `[]`, marshal(t, presenceChangesOf([]registry.PresenceChange{})))
	assert.Equal(t, `[]`, marshal(t, stateChangesOf([]registry.StateChange{})))
	assert.Equal(t, `[]`, marshal(t, commandsOf([]registry.CommandRecord{})))
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestClockOffsetInSeconds: the registry's clock offset reaches the API as
// seconds (to the millisecond) under clock_offset, and is absent until a
// report gave one.
func TestClockOffsetInSeconds(t *testing.T) {
	dur := func(d time.Duration) *time.Duration { return &d }
	for _, tc := range []struct {
		name   string
		offset *time.Duration
		want   string // the JSON value; "" for absent
	}{
		{"no report yet", nil, ""},
		{"a minute behind", dur(time.Minute), "60"},
		{"ahead, rounded to the millisecond", dur(-1500*time.Millisecond - 400*time.Microsecond), "-1.5"},
		{"in step", dur(0), "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(marshal(t, deviceOf(registry.Device{ID: "d1", ClockOffset: tc.offset}))), &m))
			if tc.want == "" {
				assert.NotContains(t, m, "clock_offset")
				return
			}
			assert.Equal(t, tc.want, string(m["clock_offset"]))
		})
	}
}
