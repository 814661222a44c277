package console

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/label"
	"github.com/unbind/unbind/controller/registry"
)

// lotsBody is the lots page: every lot, newest first.
type lotsBody struct {
	Lots []registry.Lot
}

// lotBody is one lot's page: its phones, the outcome of the last scan,
// and, for an open lot and an operator, the scan form.
type lotBody struct {
	Lot     registry.Lot
	Members []registry.LotMember
	// Joined is the device the last scan joined, Problem why it was refused.
	Joined, Problem string
	Stocks          []string
}

func (s *server) lots(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	ls, err := s.c.Lots(ctx)
	if err != nil {
		s.log.Error("console: lots", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	s.render(w, http.StatusOK, "lots", "", s.data(rq, "Lots", "lots", lotsBody{Lots: ls}))
}

func (s *server) lotPage(w http.ResponseWriter, r *http.Request, rq request) {
	s.showLot(w, r, rq, http.StatusOK, r.URL.Query().Get("joined"), "")
}

func (s *server) showLot(w http.ResponseWriter, r *http.Request, rq request, status int, joined, problem string) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	l, members, err := s.c.Lot(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		s.fail(w, rq, http.StatusNotFound, fmt.Sprintf("No lot %q.", id))
		return
	}
	if err != nil {
		s.log.Error("console: lot", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	b := lotBody{Lot: l, Members: members, Joined: joined, Problem: problem,
		Stocks: []string{label.Stock62mm.Name, label.Stock4x6.Name}}
	s.render(w, status, "lot", "", s.data(rq, "Lot "+l.ID, "lots", b))
}

// joinLot adds the phone a scanned code names to the lot; the page shows
// what happened, with the form ready for the next scan.
func (s *server) joinLot(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	code := strings.TrimSpace(r.PostForm.Get("code"))
	if code == "" || len(code) > maxScanCode {
		s.showLot(w, r, rq, http.StatusBadRequest, "", "Scan or type a serial, IMEI or certificate ID.")
		return
	}
	ids, err := s.c.JoinLot(ctx, id, []string{code}, rq.op.Actor(), "")
	var jerr *registry.JoinError
	switch {
	case errors.As(err, &jerr):
		s.showLot(w, r, rq, http.StatusUnprocessableEntity, "", fmt.Sprintf("%q not joined: %s.", code, jerr.Problems[0].Reason))
	case errors.Is(err, registry.ErrLotClosed):
		s.showLot(w, r, rq, http.StatusConflict, "", "This lot is closed: it takes no more phones.")
	case errors.Is(err, registry.ErrNotFound):
		s.fail(w, rq, http.StatusNotFound, fmt.Sprintf("No lot %q.", id))
	case errors.Is(err, controller.ErrBadLot):
		s.showLot(w, r, rq, http.StatusBadRequest, "", err.Error())
	case err != nil:
		s.log.Error("console: join lot", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "The phone could not be joined.")
	default:
		http.Redirect(w, r, "/lots/"+url.PathEscape(id)+"?joined="+url.QueryEscape(ids[0]), http.StatusSeeOther)
	}
}

// lotLabels is the lot's labels as one PDF for the stock asked for.
func (s *server) lotLabels(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	stock, ok := label.Stocks[r.URL.Query().Get("stock")]
	if !ok {
		s.fail(w, rq, http.StatusBadRequest, "Unknown label stock.")
		return
	}
	_, members, err := s.c.Lot(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		s.fail(w, rq, http.StatusNotFound, fmt.Sprintf("No lot %q.", id))
		return
	}
	if err != nil || len(members) == 0 {
		s.fail(w, rq, http.StatusNotFound, "This lot has no phones to label.")
		return
	}
	labels := make([]label.Label, 0, len(members))
	now := time.Now()
	for _, m := range members {
		labels = append(labels, label.Label{DeviceID: m.DeviceID, Maker: cmp.Or(m.Manufacturer, m.Brand), Model: m.Model,
			Serial: m.Serial, IMEI: m.IMEI, Outcome: label.Outcome(m.ReleaseOutcome, m.Verdict), Lot: m.LotID,
			Date: label.Date(m.ReleaseFinishedAt, now), CertificateID: m.CertificateID})
	}
	var buf bytes.Buffer
	if err := label.WritePDF(&buf, stock, labels); err != nil {
		s.log.Error("console: lot labels", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "The labels could not be written.")
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="labels-lot-%s-%s.pdf"`, id, stock.Name))
	_, _ = w.Write(buf.Bytes())
}
