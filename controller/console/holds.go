package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

// holdRow is one release on hold as the holds page shows it.
type holdRow struct {
	Release   registry.ReleaseRecord
	Device    registry.Device
	Waiting   string
	Reason    string
	NextCheck time.Time
}

// holdWords says why a release waits, for people.
func holdWords(reason string) string {
	switch reason {
	case release.HoldWaitingForPerson:
		return "waiting for the person at the phone to sign out"
	case release.HoldRemoteUnlink:
		return "waiting for the previous owner to unlink the phone remotely"
	case release.HoldAccountDeletion:
		return "waiting out the previous owner's account deletion"
	case release.HoldOrganisation:
		return "waiting for the organisation (or financing company) to release the phone"
	case release.HoldCouldNotTell:
		return "waiting for a check that answers"
	}
	return reason // an operator's own words, "operator: …"
}

func (s *server) holds(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	hs, err := s.c.Holds(ctx)
	if err != nil {
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	now := s.c.Now()
	rows := make([]holdRow, 0, len(hs))
	for _, h := range hs {
		d, err := s.c.Registry().Device(ctx, h.DeviceID)
		if err != nil && !errors.Is(err, registry.ErrNotFound) {
			s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
			return
		}
		rows = append(rows, holdRow{Release: h.ReleaseRecord, Device: d, Waiting: ago(now.Sub(h.HeldSince)),
			Reason: holdWords(h.HoldReason), NextCheck: h.NextCheck})
	}
	s.render(w, http.StatusOK, "holds", "", s.data(rq, "On hold", "holds", rows))
}

// unlinkSheet is the page a held phone's previous owner is given: the
// maker's remote steps in plain words, the phone's model and a short
// reference to quote back. It names no person and holds no account.
type unlinkSheet struct {
	Maker     string
	Model     string
	Reference string
	Steps     []string
	Reason    string
}

func (s *server) unlinkSheet(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	rel, err := s.c.Registry().Release(ctx, r.PathValue("id"))
	switch {
	case errors.Is(err, registry.ErrNotFound):
		s.fail(w, rq, http.StatusNotFound, "No such release.")
		return
	case err != nil:
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	d, err := s.c.Registry().Device(ctx, rel.DeviceID)
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	sheet := unlinkSheet{Model: strings.TrimSpace(d.Identity.Brand + " " + d.Identity.Model),
		Reference: reference(rel.ID), Reason: holdWords(rel.HoldReason)}
	if m, ok := protocol.MakerOf(d.Identity); ok {
		sheet.Maker = m.Name
		if m.Owner != "" {
			sheet.Steps = append(sheet.Steps, m.Owner)
		}
		if m.Name != "Google" && d.State != nil && d.State.HasRisk(protocol.RiskGoogleFRP) {
			sheet.Steps = append(sheet.Steps, googleOwnerSteps())
		}
	}
	if len(sheet.Steps) == 0 {
		sheet.Steps = []string{"Remove the phone from your account's list of devices on its maker's website, or sign out of your account on the phone if you still have it in hand."}
	}
	s.render(w, http.StatusOK, "unlink", "", s.data(rq, "Unlink this phone", "holds", sheet))
}

// reference is the short code the previous owner quotes back: the release
// ID's first eight characters, upper case.
func reference(releaseID string) string {
	if len(releaseID) > 8 {
		releaseID = releaseID[:8]
	}
	return strings.ToUpper(releaseID)
}

// ago says a duration the way the holds page reads it: "3 d 4 h", "2 h 5
// min", "40 min".
func ago(d time.Duration) string {
	d = max(d, 0).Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return strconv.Itoa(days) + " d " + strconv.Itoa(hours) + " h"
	case hours > 0:
		return strconv.Itoa(hours) + " h " + strconv.Itoa(mins) + " min"
	}
	return strconv.Itoa(mins) + " min"
}

// googleOwnerSteps are the Google account's remote steps, for a phone of
// another maker that also carries one.
func googleOwnerSteps() string {
	for _, m := range protocol.Makers {
		if m.Name == "Google" {
			return m.Owner
		}
	}
	return ""
}
