package console

import (
	"errors"
	"net/http"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

// personBody is what to tell the person at the phone, in large type: for
// each lock on it, the catalogue's words (protocol.Locks) for what to do
// and where.
type personBody struct {
	ID, Serial, Maker, Model string
	Status                   Status
	// Headline is the one thing to say first.
	Headline string
	Locks    []protocol.Lock
}

func personOf(d registry.Device, rel *registry.ReleaseRecord) personBody {
	b := personBody{ID: d.ID, Serial: d.Identity.Serial, Maker: d.Identity.Manufacturer, Model: d.Identity.Model, Status: statusOf(d)}
	if b.Serial == "" {
		b.Serial = d.ID
	}
	if d.State != nil {
		for _, k := range d.State.RiskKinds() {
			b.Locks = append(b.Locks, protocol.LockOf(k))
		}
	}
	running := rel != nil && !rel.Finished()
	switch {
	case running && release.Stage(rel.Stage) == release.StageWaitingForReset:
		b.Headline = "The reset screen is open on the phone: confirm the factory reset there."
		b.Locks = nil
	case running && release.Stage(rel.Stage) == release.StageOnHold:
		b.Headline = "This phone's release is on hold: the previous owner must unlink it. Nothing to do on the phone now."
	case rel != nil && rel.Outcome == registry.OutcomeReleased:
		b.Headline = "Done: the phone was released and reset. Nothing more to do on it."
		b.Locks = nil
	case !d.Online:
		b.Headline = "The phone is not connected: plug it in and keep it on."
	case d.State == nil:
		b.Headline = "Wait: the phone is being checked. Do not reset it."
	case d.Verdict == protocol.VerdictSafe:
		b.Headline = "Nothing to do on the phone: it is safe to reset."
	case len(b.Locks) > 0:
		b.Headline = "Please do this on the phone:"
	default:
		b.Headline = "Do not reset the phone: ask the operator."
	}
	return b
}

func (s *server) personRead(r *http.Request) (personBody, error) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	d, err := s.c.Registry().Device(ctx, id)
	if err != nil {
		return personBody{}, err
	}
	rel, err := s.latestRelease(ctx, id)
	if err != nil {
		return personBody{}, err
	}
	return personOf(d, rel), nil
}

// personView is the page to turn towards the person at the phone.
func (s *server) personView(w http.ResponseWriter, r *http.Request, rq request) {
	b, err := s.personRead(r)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		s.fail(w, rq, http.StatusNotFound, "No phone has this ID.")
	case err != nil:
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
	default:
		s.render(w, http.StatusOK, "person", "", s.data(rq, "For the person at "+b.Serial, "person", b))
	}
}

func (s *server) personFragment(w http.ResponseWriter, r *http.Request, _ request) {
	b, err := s.personRead(r)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		http.NotFound(w, r)
	case err != nil:
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
	default:
		s.render(w, http.StatusOK, "", "person-live", b)
	}
}
