package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/unbind/unbind/controller/registry"
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
	// Reason is the release's reason as recorded, ReasonWords in plain
	// language.
	Reason, ReasonWords string
	Online              bool
	FirstSeen           string
	// Identity says why the phone's identity is not trusted (an identity
	// conflict, or disowned), "" when it is: such a phone is never reset.
	Identity string
}

func tileOf(d registry.Device, rel *registry.ReleaseRecord) tile {
	t := tile{ID: d.ID, Serial: d.Identity.Serial, Maker: d.Identity.Manufacturer, Model: d.Identity.Model,
		Status: statusOf(d), LastKnown: verdictStatus(d.Verdict), Next: nextSteps(d, rel), Online: d.Online,
		ReleaseState: releaseState(rel), FirstSeen: d.FirstSeen.UTC().Format("15:04:05"), Identity: d.IdentityProblem()}
	if t.Serial == "" {
		t.Serial = d.ID
	}
	if d.State != nil {
		for _, k := range d.State.RiskKinds() {
			t.Risks = append(t.Risks, riskWords(k))
		}
	}
	if rel != nil {
		t.Release, t.Reason, t.ReasonWords = stageWords(rel.Stage), rel.Reason, reasonWords(rel.Reason)
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

// registryQuery is the filter as the registry's fleet query, at its page.
func (f fleetFilter) registryQuery() registry.FleetQuery {
	return registry.FleetQuery{Status: f.Verdict, Online: f.Online, Maker: f.Maker, Release: f.Release, Search: f.Q,
		Page: f.Page, PageSize: PageSize}
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
	Waiting                   waitingBody
}

// fleetView reads one page of tiles, with the newest release of the
// page's phones only, and the counts from one grouped query: its cost does
// not grow with the fleet but for the counts' scan.
func (s *server) fleetView(ctx context.Context, f fleetFilter) (fleetBody, error) {
	reg := s.c.Registry()
	p, err := reg.Fleet(ctx, f.registryQuery())
	if err != nil {
		return fleetBody{}, err
	}
	by, err := reg.FleetCounts(ctx)
	if err != nil {
		return fleetBody{}, err
	}
	makers, err := reg.Makers(ctx)
	if err != nil {
		return fleetBody{}, err
	}
	waiting, err := s.waitingPhones(ctx)
	if err != nil {
		return fleetBody{}, err
	}
	b := fleetBody{Filter: f, Matched: p.Matched, Page: p.Page, Pages: max(1, (p.Matched+PageSize-1)/PageSize), Waiting: waiting}
	b.Counts, b.Total = countsBy(by)
	for _, d := range p.Devices {
		b.Tiles = append(b.Tiles, tileOf(d, latestOf(p, d.ID)))
	}
	b.First, b.Last = (b.Page-1)*PageSize+1, (b.Page-1)*PageSize+len(b.Tiles)
	if b.Page > 1 {
		b.PrevHref = f.query(b.Page - 1)
	}
	if b.Page < b.Pages {
		b.NextHref = f.query(b.Page + 1)
	}
	b.Verdicts = options(f.Verdict, "", "any", "safe", "safe", "at_risk", "not safe", "unknown", "could not tell", "offline", "offline")
	b.Onlines = options(f.Online, "", "any", "yes", "online", "no", "offline")
	b.Releases = options(f.Release, "", "any", "none", "never released", "running", "running", "released", "released", "failed", "failed", "canceled", "canceled")
	b.Makers = options(f.Maker, "", "any")
	for _, m := range makers {
		b.Makers = append(b.Makers, option{Value: m, Label: m, Selected: strings.EqualFold(m, f.Maker)})
	}
	return b, nil
}

// latestOf is the newest release of a device of the page, nil without one.
func latestOf(p registry.FleetPage, id string) *registry.ReleaseRecord {
	if r, ok := p.Latest[id]; ok {
		return &r
	}
	return nil
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

// countsFragment is the counts of the fleet page: one grouped query.
func (s *server) countsFragment(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	by, err := s.c.Registry().FleetCounts(ctx)
	if err != nil {
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
		return
	}
	var b fleetBody
	b.Counts, b.Total = countsBy(by)
	s.render(w, http.StatusOK, "", "counts", b)
}

// countsBy turns the registry's counts by status into the page's, every
// status shown, and their total.
func countsBy(by map[string]int) ([]count, int) {
	out := make([]count, 0, len(statuses))
	total := 0
	for _, st := range statuses {
		out = append(out, count{Status: st, N: by[string(st)], Href: fleetFilter{Verdict: string(st)}.query(1)})
	}
	for _, n := range by {
		total += n
	}
	return out, total
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
