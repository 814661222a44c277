package console

import (
	"context"
	"net/http"
)

// waitingShown bounds the phones the alert names; it counts them all.
const waitingShown = 20

// waitingPhone is a phone whose release waits for the person at it.
type waitingPhone struct {
	ID, Serial, Stage string
}

// waitingBody is the alert of the fleet and bench pages: the phones whose
// release waits for the person at them, so that an operator notices
// without reloading.
type waitingBody struct {
	N      int
	Phones []waitingPhone
}

func (s *server) waitingPhones(ctx context.Context) (waitingBody, error) {
	reg := s.c.Registry()
	rs, err := reg.UnfinishedReleases(ctx)
	if err != nil {
		return waitingBody{}, err
	}
	var b waitingBody
	for _, r := range rs {
		if partOf(r) != partPerson {
			continue
		}
		b.N++
		if len(b.Phones) == waitingShown {
			continue
		}
		p := waitingPhone{ID: r.DeviceID, Serial: r.DeviceID, Stage: stageWords(r.Stage)}
		if d, err := reg.Device(ctx, r.DeviceID); err == nil && d.Identity.Serial != "" {
			p.Serial = d.Identity.Serial
		}
		b.Phones = append(b.Phones, p)
	}
	return b, nil
}

func (s *server) waitingFragment(w http.ResponseWriter, r *http.Request, _ request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	b, err := s.waitingPhones(ctx)
	if err != nil {
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
		return
	}
	s.render(w, http.StatusOK, "", "waiting", b)
}
