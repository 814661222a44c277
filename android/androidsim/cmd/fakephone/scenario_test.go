package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var scenarioCases = []struct {
	name string
	in   string
	want []entry
	err  string
}{
	{"phones and comments", "# bench\n8a3f21c7 device bound-xiaomi\n\nemulator-5554\toffline # no profile\nR5CW21XKQ7M device samsung-secure-folder abi=armeabi-v7a\n",
		[]entry{
			{Serial: "8a3f21c7", State: "device", Profile: "bound-xiaomi"},
			{Serial: "emulator-5554", State: "offline"},
			{Serial: "R5CW21XKQ7M", State: "device", Profile: "samsung-secure-folder", ABI: "armeabi-v7a"},
		}, ""},
	{"empty", "", nil, ""},
	{"no state", "8a3f21c7\n", nil, "want SERIAL STATE"},
	{"ready without profile", "8a3f21c7 device\n", nil, "needs a profile"},
	{"unknown profile", "8a3f21c7 device pixel-9\n", nil, "unknown profile"},
	{"unknown option", "8a3f21c7 device rooted colour=red\n", nil, "unknown option"},
	{"twice", "a offline\na device rooted\n", nil, "twice"},
}

func TestParseScenario(t *testing.T) {
	for _, tc := range scenarioCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseScenario([]byte(tc.in))
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func FuzzParseScenario(f *testing.F) {
	for _, tc := range scenarioCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		es, err := parseScenario([]byte(in))
		if err != nil {
			return
		}
		for _, e := range es {
			assert.NotEmpty(t, e.Serial)
			if e.ready() {
				_, err := e.options()
				assert.NoError(t, err)
			}
		}
	})
}

func TestDefaultScenario(t *testing.T) {
	es := defaultScenario()
	require.Len(t, es, len(profiles))
	seen := map[string]bool{}
	for _, e := range es {
		assert.False(t, seen[e.Serial], "serial %s twice", e.Serial)
		seen[e.Serial] = true
		assert.True(t, e.ready())
		o, err := e.options()
		require.NoError(t, err)
		assert.Equal(t, e.Serial, o.Identity.Serial)
	}
}
