package console

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
)

// confirmAbove is how many phones a release may hold before the operator
// must type their count to confirm it.
const confirmAbove = 10

// releasesShown bounds the releases page when no batch is named.
const releasesShown = 200

type confirmBody struct {
	IDs      []string
	Tiles    []tile
	N        int
	NeedType bool
	Error    string
}

// selected reads the phones a release form names: ticked IDs, or every
// phone matching the fleet filter the form carries (all=1).
func (s *server) selected(ctx context.Context, form url.Values) ([]string, error) {
	if form.Get("all") != "1" {
		return form["id"], nil
	}
	q := parseFleetFilter(form).registryQuery()
	q.Page, q.PageSize = 0, 0
	p, err := s.c.Registry().Fleet(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(p.Devices))
	for _, d := range p.Devices {
		ids = append(ids, d.ID)
	}
	return ids, nil
}

func (s *server) confirmRelease(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	ids, err := s.selected(ctx, r.PostForm)
	if err != nil {
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
		return
	}
	s.showConfirm(ctx, w, rq, http.StatusOK, ids, "")
}

func (s *server) showConfirm(ctx context.Context, w http.ResponseWriter, rq request, status int, ids []string, msg string) {
	if len(ids) == 0 {
		s.fail(w, rq, http.StatusBadRequest, "No phone was selected: tick the phones to release on the fleet page.")
		return
	}
	b := confirmBody{IDs: ids, N: len(ids), NeedType: len(ids) > confirmAbove, Error: msg}
	for _, id := range ids[:min(len(ids), PageSize)] {
		d, err := s.c.Registry().Device(ctx, id)
		if errors.Is(err, registry.ErrNotFound) {
			s.fail(w, rq, http.StatusNotFound, "A selected phone is not in the registry: "+id)
			return
		}
		if err != nil {
			s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
			return
		}
		b.Tiles = append(b.Tiles, tileOf(d, nil))
	}
	s.render(w, status, "confirm", "", s.data(rq, "Confirm release", "fleet", b))
}

// startRelease starts the releases through the controller's one release
// path (StartReleases), in the signed-in operator's name.
func (s *server) startRelease(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	ids := r.PostForm["id"]
	if len(ids) > confirmAbove && strings.TrimSpace(r.PostForm.Get("count")) != strconv.Itoa(len(ids)) {
		s.showConfirm(ctx, w, rq, http.StatusUnprocessableEntity, ids,
			fmt.Sprintf("Type %d, the number of phones, to confirm.", len(ids)))
		return
	}
	if len(ids) == 0 {
		s.fail(w, rq, http.StatusBadRequest, "No phone was selected.")
		return
	}
	note := strings.TrimSpace(r.PostForm.Get("note"))
	rs, err := s.c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: ids, Operator: rq.op.Name, Note: note})
	switch {
	case errors.Is(err, controller.ErrBadName):
		s.showConfirm(ctx, w, rq, http.StatusUnprocessableEntity, ids, err.Error())
		return
	case errors.Is(err, controller.ErrUnknownDevice):
		s.fail(w, rq, http.StatusNotFound, "A selected phone is not in the registry.")
		return
	case err != nil:
		s.log.Error("console: start releases", "phones", len(ids), "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "The releases could not be started.")
		return
	}
	// The batch this request started; when every phone already had a
	// release running, the first of those.
	batch := rs[0].BatchID
	for _, rel := range rs {
		if !rel.Kept {
			batch = rel.BatchID
			break
		}
	}
	http.Redirect(w, r, "/releases?batch="+url.QueryEscape(batch), http.StatusSeeOther)
}

// releaseRow is one release with its phone's serial.
type releaseRow struct {
	R      registry.ReleaseRecord
	Serial string
	Stage  string
	// Reason is the release's reason in plain language; R.Reason is the
	// raw text, kept on hover.
	Reason string
	CanAct bool
	// CSRF is the session's token, for the row's own forms.
	CSRF string
}

type releasesBody struct {
	Batch string
	// Title names the batch for people: its note, its lot, or how many
	// phones; Started is when it started (shown in the viewer's zone).
	Title   string
	Started time.Time
	Rows    []releaseRow
	Summary []summaryLine
	// LiveHref is the fragment of the summary and the rows, read again
	// when a release starts or moves, so that both follow the batch.
	LiveHref string
	// shown are the batch's releases, for its title.
	shown []registry.ReleaseRecord
}

func (s *server) releaseRows(ctx context.Context, batch string, rq request) (releasesBody, error) {
	b := releasesBody{Batch: batch, LiveHref: "/fragments/releases", Title: "Releases"}
	if batch != "" {
		b.LiveHref += "?batch=" + url.QueryEscape(batch)
	}
	rs, at, err := s.batchReleases(ctx, batch)
	if err != nil {
		return b, err
	}
	var shown []registry.ReleaseRecord
	for i := len(rs) - 1; i >= 0; i-- {
		rel := rs[i]
		if !at.IsZero() && !rel.CreatedAt.Equal(at) {
			continue
		}
		shown = append(shown, rel)
		b.Rows = append(b.Rows, s.rowOf(ctx, rel, rq))
	}
	b.Summary = summarise(shown)
	if batch != "" && len(shown) > 0 {
		b.Started = shown[0].CreatedAt
	}
	b.shown = shown
	return b, nil
}

// batchMax bounds the phones of one batch the page lists.
const batchMax = 10000

// batchReleases reads the releases of a batch, newest first: by its ID, or
// (links from before batches had IDs) by its creation time, then returned
// as at; "" is the newest releases of any batch.
func (s *server) batchReleases(ctx context.Context, batch string) ([]registry.ReleaseRecord, time.Time, error) {
	reg := s.c.Registry()
	if batch == "" {
		rs, err := reg.Releases(ctx, registry.ReleaseFilter{Limit: releasesShown})
		return rs, time.Time{}, err
	}
	if at, err := time.Parse(time.RFC3339Nano, batch); err == nil {
		rs, _, err := reg.ListReleases(ctx, registry.ReleaseList{Since: at, Until: at.Add(time.Nanosecond), Limit: batchMax})
		return rs, at, err
	}
	rs, _, err := reg.ListReleases(ctx, registry.ReleaseList{BatchID: batch, Limit: batchMax})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("batch %q: %w", batch, err)
	}
	return rs, time.Time{}, nil
}

// batchTitle names a batch for people: the note it was started with, else
// the lot all its phones belong to, else how many phones it holds.
func (s *server) batchTitle(ctx context.Context, rs []registry.ReleaseRecord) string {
	if len(rs) == 0 {
		return "Release of no phone"
	}
	reg := s.c.Registry()
	if entries, err := reg.Audit(ctx, rs[0].DeviceID, historyLimit); err == nil {
		created := "release " + rs[0].ID + ";"
		for _, e := range entries {
			if e.Action == registry.AuditReleaseCreated && strings.HasPrefix(e.Detail+";", created) && e.Note != "" {
				return "Release: " + e.Note
			}
		}
	}
	phones := fmt.Sprintf("%d phones", len(rs))
	if len(rs) == 1 {
		phones = "1 phone"
	}
	if lots, err := reg.DeviceLots(ctx); err == nil {
		lot := lots[rs[0].DeviceID]
		for _, r := range rs[1:] {
			if lots[r.DeviceID] != lot {
				lot = ""
				break
			}
		}
		if lot != "" {
			return "Release of lot " + lot + " (" + phones + ")"
		}
	}
	return "Release of " + phones
}

func (s *server) rowOf(ctx context.Context, rel registry.ReleaseRecord, rq request) releaseRow {
	row := releaseRow{R: rel, Serial: rel.DeviceID, Stage: stageWords(rel.Stage), Reason: reasonWords(rel.Reason),
		CanAct: rq.op.Role.Allows(controller.RoleOperator), CSRF: rq.sess.csrf}
	if d, err := s.c.Registry().Device(ctx, rel.DeviceID); err == nil && d.Identity.Serial != "" {
		row.Serial = d.Identity.Serial
	}
	return row
}

func (s *server) releases(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	b, err := s.releaseRows(ctx, r.URL.Query().Get("batch"), rq)
	if err != nil {
		s.fail(w, rq, http.StatusBadRequest, "Cannot list these releases.")
		return
	}
	if b.Batch != "" {
		b.Title = s.batchTitle(ctx, b.shown)
	}
	s.render(w, http.StatusOK, "releases", "", s.data(rq, b.Title, "releases", b))
}

// releasesFragment is the rows of the releases page.
func (s *server) releasesFragment(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	b, err := s.releaseRows(ctx, r.URL.Query().Get("batch"), rq)
	if err != nil {
		http.Error(w, "cannot list these releases", http.StatusBadRequest)
		return
	}
	s.render(w, http.StatusOK, "", "releases-live", b)
}

func (s *server) releaseFragment(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	rel, err := s.c.Registry().Release(ctx, r.PathValue("id"))
	switch {
	case errors.Is(err, registry.ErrNotFound):
		http.NotFound(w, r)
	case err != nil:
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
	default:
		s.render(w, http.StatusOK, "", "release-row", s.rowOf(ctx, rel, rq))
	}
}

// cancelReleases cancels through the controller's CancelReleases: the
// ticked phones' releases, or every unfinished one (all=1).
func (s *server) cancelReleases(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	ids := r.PostForm["id"]
	if r.PostForm.Get("all") == "1" {
		ids = nil
	} else if len(ids) == 0 {
		s.fail(w, rq, http.StatusBadRequest, "Say which releases to cancel.")
		return
	}
	if _, err := s.c.CancelReleases(ctx, ids, rq.op.Name); err != nil {
		s.log.Error("console: cancel releases", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "The releases could not be canceled.")
		return
	}
	back := "/releases"
	if batch := r.PostForm.Get("batch"); batch != "" {
		back += "?batch=" + url.QueryEscape(batch)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// certificatesZip downloads the certificates of a batch's released phones.
func (s *server) certificatesZip(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	batch := r.URL.Query().Get("batch")
	if batch == "" {
		s.fail(w, rq, http.StatusBadRequest, "Name the batch whose certificates to download.")
		return
	}
	b, err := s.releaseRows(ctx, batch, rq)
	if err != nil {
		s.fail(w, rq, http.StatusBadRequest, "Cannot list these releases.")
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="certificates.zip"`)
	zw := zip.NewWriter(w)
	var missing []string
	for _, row := range b.Rows {
		if row.R.Outcome != registry.OutcomeReleased {
			continue
		}
		c, err := s.c.Registry().ReleaseCertificate(ctx, row.R.ID)
		if err != nil {
			missing = append(missing, row.R.DeviceID)
			continue
		}
		f, err := zw.Create(certFileName(c))
		if err != nil {
			return
		}
		_, _ = f.Write(c.Document)
	}
	if len(missing) > 0 {
		if f, err := zw.Create("NOT-ISSUED.txt"); err == nil {
			fmt.Fprintf(f, "Released phones whose certificate was not issued yet (issue it from the phone's page):\n%s\n", strings.Join(missing, "\n"))
		}
	}
	_ = zw.Close()
}

func pathEscape(s string) string { return url.PathEscape(s) }
