package androidsim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/protocol"
)

// fleetSummary is what a phone of the fleet is, for comparing fleets.
type fleetSummary struct {
	Serial string
	Users  []androidsim.User
	Faults androidsim.Faults
	Person androidsim.Person
	FD     bool
	Lost   bool
	Root   bool
	Model  string
}

func summarize(ps []*androidsim.Phone) []fleetSummary {
	out := make([]fleetSummary, len(ps))
	for i, p := range ps {
		out[i] = fleetSummary{Serial: p.Serial(), Users: p.Users(), Faults: p.Faults(), Person: p.Person(),
			FD: p.FindDevice(), Lost: p.LostMode(), Root: p.Rooted(), Model: p.Identity().Model}
	}
	return out
}

func bound(p *androidsim.Phone) bool {
	for _, a := range p.Accounts() {
		switch a.Type {
		case androidsim.TypeGoogle, androidsim.TypeXiaomi, androidsim.TypeSamsung, androidsim.TypeHuawei:
			return true
		}
	}
	return false
}

func TestFleetIsDeterministic(t *testing.T) {
	a, b := androidsim.Fleet(50, 1), androidsim.Fleet(50, 1)
	assert.Equal(t, summarize(a), summarize(b))
	c := androidsim.Fleet(50, 2)
	assert.NotEqual(t, summarize(a), summarize(c), "another seed, another fleet")
}

func TestFleetMix(t *testing.T) {
	phones := androidsim.Fleet(50, 1)
	require.Len(t, phones, 50)
	serials := map[string]bool{}
	var nBound, nClean, nLost, nUnreadable, nHanging, nRooted, nMakers = 0, 0, 0, 0, 0, 0, map[string]int{}
	people := map[string]int{}
	for _, p := range phones {
		s := p.Serial()
		require.NoError(t, protocol.ValidateDeviceID(s))
		assert.False(t, serials[s], "serial %s is unique", s)
		serials[s] = true

		f := p.Faults()
		assert.False(t, f.Unreachable, "fleet phones are reachable")
		switch {
		case bound(p):
			nBound++
		default:
			nClean++
		}
		if p.LostMode() {
			nLost++
		}
		if f.AccountDump != androidsim.DumpOK {
			nUnreadable++
		}
		if f.FindDevice == androidsim.ProviderHangs {
			nHanging++
		}
		if p.Rooted() {
			nRooted++
		}
		nMakers[p.Identity().Manufacturer]++
		switch person := p.Person(); {
		case person.Behaviour == androidsim.Complies && person.Delay <= 10*time.Second:
			people["prompt"]++
		case person.Behaviour == androidsim.Complies:
			people["late"]++
		default:
			people[person.Behaviour.String()]++
		}
		for _, a := range p.Accounts() {
			if a.Type == androidsim.TypeGoogle || a.Type == androidsim.TypeExchange {
				assert.True(t, strings.HasSuffix(a.Name, ".com") || strings.HasSuffix(a.Name, ".net") ||
					strings.HasSuffix(a.Name, ".org"), "fake address %q", a.Name)
				assert.Contains(t, a.Name, "@example.")
			}
		}
	}
	assert.GreaterOrEqual(t, nBound, 30, "mostly bound phones")
	assert.GreaterOrEqual(t, nClean, 8, "some clean phones")
	assert.Equal(t, 2, nLost)
	assert.Equal(t, 2, nUnreadable)
	assert.Equal(t, 1, nHanging)
	assert.Equal(t, 2, nRooted)
	assert.GreaterOrEqual(t, nMakers["Xiaomi"], 15)
	assert.GreaterOrEqual(t, nMakers["samsung"], 5)
	assert.GreaterOrEqual(t, nMakers["Google"], 5)
	assert.Positive(t, nMakers["HUAWEI"])
	for _, kind := range []string{"prompt", "late", "partly", "cancels", "never"} {
		assert.Positive(t, people[kind], "people who act %s", kind)
	}
}

func TestSmallFleets(t *testing.T) {
	assert.Empty(t, androidsim.Fleet(0, 1))
	assert.Empty(t, androidsim.Fleet(-3, 1))
	two := androidsim.Fleet(2, 3)
	require.Len(t, two, 2)
	assert.NotEqual(t, bound(two[0]), bound(two[1]), "a bound and a clean phone")
	big := androidsim.Fleet(120, 9)
	seen := map[string]bool{}
	for _, p := range big {
		require.False(t, seen[p.Serial()])
		seen[p.Serial()] = true
	}
}

// TestFleetPhonesAnswer runs the agent's commands on every phone of a fleet:
// each answers, and none hangs except on the Find Device query of the one
// built to hang.
func TestFleetPhonesAnswer(t *testing.T) {
	for _, p := range androidsim.Fleet(50, 4) {
		for _, argv := range [][]string{{"getprop"}, {"pm", "list", "users"}, {"dumpsys", "account", "--checkin"}, {"dumpsys", "account"}} {
			ctx, cancel := context.WithTimeout(context.Background(), waitLong)
			res, err := p.Run(ctx, argv...)
			cancel()
			require.NoError(t, err)
			assert.Zero(t, res.ExitCode)
		}
	}
}
