package console

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/controller/unlinksheet"
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

// unlinkSheet is the page a held phone's previous owner is given; the
// words are unlinksheet's, shared with its PDF (sheet.pdf).
func (s *server) unlinkSheet(w http.ResponseWriter, r *http.Request, rq request) {
	sheet, ok := s.sheetOf(w, r, rq)
	if ok {
		s.render(w, http.StatusOK, "unlink", "", s.data(rq, "Unlink this phone", "holds", sheetPage{Sheet: sheet,
			Title: unlinksheet.Title, Intro: unlinksheet.Intro, Outro: unlinksheet.Outro, NoData: unlinksheet.NoData,
			PDF: "/holds/" + r.PathValue("id") + "/sheet.pdf"}))
	}
}

// unlinkSheetPDF is the same sheet, printable, with a QR code of the
// maker's site.
func (s *server) unlinkSheetPDF(w http.ResponseWriter, r *http.Request, rq request) {
	sheet, ok := s.sheetOf(w, r, rq)
	if !ok {
		return
	}
	var b bytes.Buffer
	if err := unlinksheet.WritePDF(&b, sheet); err != nil {
		s.fail(w, rq, http.StatusInternalServerError, "Cannot write the sheet.")
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="unlink-`+sheet.Reference+`.pdf"`)
	_, _ = w.Write(b.Bytes())
}

type sheetPage struct {
	unlinksheet.Sheet
	Title, Intro, Outro, NoData, PDF string
}

func (s *server) sheetOf(w http.ResponseWriter, r *http.Request, rq request) (unlinksheet.Sheet, bool) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	rel, err := s.c.Registry().Release(ctx, r.PathValue("id"))
	switch {
	case errors.Is(err, registry.ErrNotFound):
		s.fail(w, rq, http.StatusNotFound, "No such release.")
		return unlinksheet.Sheet{}, false
	case err != nil:
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return unlinksheet.Sheet{}, false
	}
	d, err := s.c.Registry().Device(ctx, rel.DeviceID)
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return unlinksheet.Sheet{}, false
	}
	return unlinksheet.For(d.Identity, d.State, rel.ID, holdWords(rel.HoldReason)), true
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
