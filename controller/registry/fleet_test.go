package registry

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// fleetFixture: a1..a6 with different makers, verdicts, presence and
// releases.
//
//	a1 Xiaomi  SER-A1 online  safe               release running
//	a2 samsung SER-B2 online  at_risk            release failed, then released (newest)
//	a3 xiaomi  SER-A3 offline safe               none
//	a4 Google  SER-C4 online  no report          none
//	a5 Xiaomi  ""     online  unknown            release released, then running (newest)
//	a6 Google  SER-C6 offline at_risk            release canceled
func fleetFixture(t *testing.T, e engine) *Store {
	t.Helper()
	ctx := context.Background()
	s := openOn(t, e, Options{})
	withMaker := func(id, serial, maker string, seq uint64, kinds ...protocol.RiskKind) Update {
		r := report(at(1), kinds...)
		r.Device.Serial, r.Device.Manufacturer = serial, maker
		return stateUpd(id, seq, at(1), r)
	}
	applyOK(t, s,
		presenceUpd("a1", protocol.Online, at(0)), withMaker("a1", "SER-A1", "Xiaomi", 1),
		presenceUpd("a2", protocol.Online, at(0)), withMaker("a2", "SER-B2", "samsung", 1, protocol.RiskSamsungReactivation),
		presenceUpd("a3", protocol.Offline, at(0)), withMaker("a3", "SER-A3", "xiaomi", 1),
		presenceUpd("a4", protocol.Online, at(0)),
		presenceUpd("a5", protocol.Online, at(0)), withMaker("a5", "", "Xiaomi", 1, protocol.RiskUnknown),
		presenceUpd("a6", protocol.Offline, at(0)), withMaker("a6", "SER-C6", "Google", 1, protocol.RiskGoogleFRP),
	)
	finished := func(id, dev string, created time.Time, outcome string) ReleaseRecord {
		r := releaseRec(id, dev, created)
		r.Stage, r.Outcome, r.FinishedAt = outcome, outcome, created.Add(time.Second)
		return r
	}
	require.NoError(t, s.CreateReleases(ctx, []ReleaseRecord{
		releaseRec("r1", "a1", at(10)),
		finished("r2", "a2", at(10), "failed"),
		finished("r3", "a2", at(20), OutcomeReleased),
		finished("r4", "a5", at(10), OutcomeReleased),
		releaseRec("r5", "a5", at(20)),
		finished("r6", "a6", at(10), "canceled"),
	}))
	return s
}

func TestFleetQuery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := fleetFixture(t, e)
		tests := []struct {
			name    string
			q       FleetQuery
			want    []string
			matched int
			page    int
		}{
			{"everything by ID", FleetQuery{}, []string{"a1", "a2", "a3", "a4", "a5", "a6"}, 6, 1},
			{"safe means online and safe", FleetQuery{Status: "safe"}, []string{"a1"}, 1, 1},
			{"not safe", FleetQuery{Status: "at_risk"}, []string{"a2"}, 1, 1},
			{"unknown includes no report", FleetQuery{Status: "unknown"}, []string{"a4", "a5"}, 2, 1},
			{"offline whatever the verdict", FleetQuery{Status: "offline"}, []string{"a3", "a6"}, 2, 1},
			{"an unknown status matches none", FleetQuery{Status: "bogus"}, []string{}, 0, 1},
			{"online yes", FleetQuery{Online: "yes"}, []string{"a1", "a2", "a4", "a5"}, 4, 1},
			{"online no", FleetQuery{Online: "no"}, []string{"a3", "a6"}, 2, 1},
			{"maker ignores case", FleetQuery{Maker: "XIAOMI"}, []string{"a1", "a3", "a5"}, 3, 1},
			{"never released", FleetQuery{Release: "none"}, []string{"a3", "a4"}, 2, 1},
			{"newest release running", FleetQuery{Release: "running"}, []string{"a1", "a5"}, 2, 1},
			{"newest release released", FleetQuery{Release: "released"}, []string{"a2"}, 1, 1},
			{"newest release failed: none (a2 released later)", FleetQuery{Release: "failed"}, []string{}, 0, 1},
			{"canceled", FleetQuery{Release: "canceled"}, []string{"a6"}, 1, 1},
			{"search serial part, any case", FleetQuery{Search: "ser-a"}, []string{"a1", "a3"}, 2, 1},
			{"search the ID when there is no serial", FleetQuery{Search: "A5"}, []string{"a5"}, 1, 1},
			{"search is not a pattern", FleetQuery{Search: "%"}, []string{}, 0, 1},
			{"filters combine", FleetQuery{Maker: "xiaomi", Online: "yes", Release: "running"}, []string{"a1", "a5"}, 2, 1},
			{"page 2 of 2", FleetQuery{PageSize: 4, Page: 2}, []string{"a5", "a6"}, 6, 2},
			{"a page past the end is the last", FleetQuery{PageSize: 4, Page: 9}, []string{"a5", "a6"}, 6, 2},
			{"page 0 is the first", FleetQuery{PageSize: 4}, []string{"a1", "a2", "a3", "a4"}, 6, 1},
			{"filtered page", FleetQuery{Maker: "xiaomi", PageSize: 2, Page: 2}, []string{"a5"}, 3, 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := s.Fleet(context.Background(), tt.q)
				require.NoError(t, err)
				ids := []string{}
				for _, d := range p.Devices {
					ids = append(ids, d.ID)
				}
				assert.Equal(t, tt.want, ids)
				assert.Equal(t, tt.matched, p.Matched)
				assert.Equal(t, tt.page, p.Page)
				for _, d := range p.Devices {
					if r, ok := p.Latest[d.ID]; ok {
						assert.Equal(t, d.ID, r.DeviceID)
					}
				}
				assert.LessOrEqual(t, len(p.Latest), len(p.Devices), "releases only of the page's devices")
			})
		}
	})
}

func TestFleetLatestRelease(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := fleetFixture(t, e)
		p, err := s.Fleet(context.Background(), FleetQuery{})
		require.NoError(t, err)
		newest := map[string]string{}
		for id, r := range p.Latest {
			newest[id] = r.ID
		}
		assert.Equal(t, map[string]string{"a1": "r1", "a2": "r3", "a5": "r5", "a6": "r6"}, newest)
	})
}

func TestFleetNewestFirst(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := openOn(t, e, Options{})
		for i := range 5 {
			applyOK(t, s, presenceUpd(fmt.Sprintf("n%d", i), protocol.Online, at(i)))
		}
		p, err := s.Fleet(context.Background(), FleetQuery{NewestFirst: true, PageSize: 3})
		require.NoError(t, err)
		var ids []string
		for _, d := range p.Devices {
			ids = append(ids, d.ID)
		}
		assert.Equal(t, []string{"n4", "n3", "n2"}, ids)
	})
}

func TestFleetCountsAndMakers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := fleetFixture(t, e)
		counts, err := s.FleetCounts(context.Background())
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"safe": 1, "at_risk": 1, "unknown": 2, "offline": 2}, counts)
		makers, err := s.Makers(context.Background())
		require.NoError(t, err)
		require.Len(t, makers, 3, "Xiaomi and xiaomi are one maker: %v", makers)
		assert.Equal(t, "Google", makers[0])
		assert.Equal(t, "samsung", makers[1])
		assert.Equal(t, "xiaomi", strings.ToLower(makers[2]))
	})
}

// BenchmarkFleetQuery reads one page of 100 of a fleet of 5,000 and 50,000
// phones, unfiltered and filtered, as the console does.
func BenchmarkFleetQuery(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		s := openTest(b, Options{})
		ctx := context.Background()
		var batch []Update
		kinds := [][]protocol.RiskKind{nil, {protocol.RiskMiAccount}, {protocol.RiskGoogleFRP}, {protocol.RiskUnknown}}
		for i := range n {
			id := fmt.Sprintf("phone-%05d", i)
			r := report(at(1), kinds[i%len(kinds)]...)
			r.Device.Serial, r.Device.Manufacturer = fmt.Sprintf("SER%05d", i), []string{"Xiaomi", "samsung", "Google"}[i%3]
			batch = append(batch, presenceUpd(id, protocol.Online, at(0)), stateUpd(id, 1, at(1), r))
			if len(batch) >= 2000 {
				applyOK(b, s, batch...)
				batch = batch[:0]
			}
		}
		applyOK(b, s, batch...)
		for name, q := range map[string]FleetQuery{
			"first":          {PageSize: 100},
			"at_risk,Xiaomi": {Status: "at_risk", Maker: "Xiaomi", PageSize: 100, Page: 3},
			"search":         {Search: "SER049", PageSize: 100},
			"never_released": {Release: "none", PageSize: 100, Page: 10},
		} {
			b.Run(fmt.Sprintf("%d/%s", n, name), func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Fleet(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("%d/counts", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.FleetCounts(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
