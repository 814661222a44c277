package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// tile is one phone as the fleet and bench show it.
type tile struct {
	ID, Serial, Maker, Model string
	Status                   Status
	// LastKnown is the verdict an offline phone had when last seen.
	LastKnown Status
	Risks     []string
	Next      []string
	// Release is the stage of the newest release in words, "" without one.
	Release, ReleaseState string
	Reason                string
	Online                bool
	FirstSeen             string
}

func tileOf(d registry.Device, rel *registry.ReleaseRecord) tile {
	t := tile{ID: d.ID, Serial: d.Identity.Serial, Maker: d.Identity.Manufacturer, Model: d.Identity.Model,
		Status: statusOf(d), LastKnown: verdictStatus(d.Verdict), Next: nextSteps(d, rel), Online: d.Online,
		ReleaseState: releaseState(rel), FirstSeen: d.FirstSeen.UTC().Format("15:04:05")}
	if t.Serial == "" {
		t.Serial = d.ID
	}
	if d.State != nil {
		for _, k := range d.State.RiskKinds() {
			t.Risks = append(t.Risks, riskWords(k))
		}
	}
	if rel != nil {
		t.Release, t.Reason = stageWords(rel.Stage), rel.Reason
	}
	return t
}

// fleetFilter is the fleet page's query: every field optional.
type fleetFilter struct {
	Verdict, Online, Maker, Release, Q string
	Page                               int
}

func parseFleetFilter(q url.Values) fleetFilter {
	f := fleetFilter{Verdict: q.Get("verdict"), Online: q.Get("online"), Maker: q.Get("maker"),
		Release: q.Get("release"), Q: strings.TrimSpace(q.Get("q"))}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	f.Page = max(f.Page, 1)
	return f
}

func (f fleetFilter) match(t tile) bool {
	switch {
	case f.Verdict != "" && string(t.Status) != f.Verdict:
		return false
	case f.Online == "yes" && !t.Online, f.Online == "no" && t.Online:
		return false
	case f.Maker != "" && !strings.EqualFold(t.Maker, f.Maker):
		return false
	case f.Release != "" && t.ReleaseState != f.Release:
		return false
	case f.Q != "" && !strings.Contains(strings.ToLower(t.Serial), strings.ToLower(f.Q)) &&
		!strings.Contains(strings.ToLower(t.ID), strings.ToLower(f.Q)):
		return false
	}
	return true
}

// query is the filter as a URL query, at page.
func (f fleetFilter) query(page int) string {
	v := url.Values{}
	for k, s := range map[string]string{"verdict": f.Verdict, "online": f.Online, "maker": f.Maker, "release": f.Release, "q": f.Q} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

type count struct {
	Status Status
	N      int
	Href   string
}

type option struct {
	Value, Label string
	Selected     bool
}

func options(selected string, pairs ...string) []option {
	out := make([]option, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, option{Value: pairs[i], Label: pairs[i+1], Selected: pairs[i] == selected})
	}
	return out
}

type fleetBody struct {
	Counts                    []count
	Total, Matched            int
	Tiles                     []tile
	Filter                    fleetFilter
	Verdicts, Onlines, Makers []option
	Releases                  []option
	Page, Pages               int
	PrevHref, NextHref        string
	First, Last               int
}

// fleetView reads the whole registry once and keeps one page of tiles.
func (s *server) fleetView(ctx context.Context, f fleetFilter) (fleetBody, error) {
	devices, err := s.c.Registry().Devices(ctx, registry.Filter{})
	if err != nil {
		return fleetBody{}, err
	}
	rels, err := s.latestReleases(ctx)
	if err != nil {
		return fleetBody{}, err
	}
	b := fleetBody{Filter: f, Total: len(devices), Counts: countsOf(devices)}
	makers := map[string]bool{}
	var matched []tile
	for _, d := range devices {
		t := tileOf(d, rels[d.ID])
		if t.Maker != "" {
			makers[t.Maker] = true
		}
		if f.match(t) {
			matched = append(matched, t)
		}
	}
	b.Matched = len(matched)
	b.Pages = max(1, (len(matched)+PageSize-1)/PageSize)
	b.Page = min(f.Page, b.Pages)
	lo := (b.Page - 1) * PageSize
	hi := min(lo+PageSize, len(matched))
	b.Tiles = matched[lo:hi]
	b.First, b.Last = lo+1, hi
	if b.Page > 1 {
		b.PrevHref = f.query(b.Page - 1)
	}
	if b.Page < b.Pages {
		b.NextHref = f.query(b.Page + 1)
	}
	b.Verdicts = options(f.Verdict, "", "any", "safe", "safe", "at_risk", "not safe", "unknown", "could not tell", "offline", "offline")
	b.Onlines = options(f.Online, "", "any", "yes", "online", "no", "offline")
	b.Releases = options(f.Release, "", "any", "none", "never released", "running", "running", "released", "released", "failed", "failed", "canceled", "canceled")
	names := make([]string, 0, len(makers))
	for m := range makers {
		names = append(names, m)
	}
	slices.Sort(names)
	b.Makers = options(f.Maker, "", "any")
	for _, m := range names {
		b.Makers = append(b.Makers, option{Value: m, Label: m, Selected: strings.EqualFold(m, f.Maker)})
	}
	return b, nil
}

// latestReleases is each device's newest release.
func (s *server) latestReleases(ctx context.Context) (map[string]*registry.ReleaseRecord, error) {
	rs, err := s.c.Registry().Releases(ctx, registry.ReleaseFilter{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*registry.ReleaseRecord, len(rs))
	for i := range rs { // oldest first: the last one wins
		out[rs[i].DeviceID] = &rs[i]
	}
	return out, nil
}

func (s *server) latestRelease(ctx context.Context, deviceID string) (*registry.ReleaseRecord, error) {
	rs, err := s.c.Registry().Releases(ctx, registry.ReleaseFilter{DeviceID: deviceID, Limit: 1})
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

func (s *server) fleet(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	b, err := s.fleetView(ctx, parseFleetFilter(r.URL.Query()))
	if err != nil {
		s.log.Error("console: fleet", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	s.render(w, http.StatusOK, "fleet", "", s.data(rq, "Fleet", "fleet", b))
}

// countsFragment counts without reading every phone: the registry's
// summary, less the offline phones, which are read (there are few on a
// bench; a fleet that is mostly offline costs what the fleet page costs).
func (s *server) countsFragment(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	sum, err := s.c.Registry().Summary(ctx)
	if err != nil {
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
		return
	}
	offline, err := s.c.Registry().Devices(ctx, registry.Filter{Offline: true})
	if err != nil {
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
		return
	}
	by := map[Status]int{
		StatusSafe:    sum.ByVerdict[protocol.VerdictSafe],
		StatusAtRisk:  sum.ByVerdict[protocol.VerdictAtRisk],
		StatusUnknown: sum.Total - sum.ByVerdict[protocol.VerdictSafe] - sum.ByVerdict[protocol.VerdictAtRisk],
	}
	for _, d := range offline {
		by[verdictStatus(d.Verdict)]--
	}
	by[StatusOffline] = len(offline)
	s.render(w, http.StatusOK, "", "counts", fleetBody{Counts: countsBy(by), Total: sum.Total})
}

// countsOf counts phones by the status their tiles show.
func countsOf(devices []registry.Device) []count {
	by := map[Status]int{}
	for _, d := range devices {
		by[statusOf(d)]++
	}
	return countsBy(by)
}

func countsBy(by map[Status]int) []count {
	out := make([]count, 0, len(statuses))
	for _, st := range statuses {
		out = append(out, count{Status: st, N: by[st], Href: fleetFilter{Verdict: string(st)}.query(1)})
	}
	return out
}

// tileData is a tile with what its template needs of the page.
type tileData struct {
	T      tile
	CanAct bool
}

func (s *server) tileFragment(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	d, err := s.c.Registry().Device(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	rel, err2 := s.latestRelease(ctx, id)
	if err != nil || err2 != nil {
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
		return
	}
	s.render(w, http.StatusOK, "", "tile", tileData{T: tileOf(d, rel), CanAct: s.data(rq, "", "", nil).CanAct})
}
