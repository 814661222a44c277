package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// historyLimit bounds each history the phone page shows.
const historyLimit = 50

type phoneBody struct {
	T        tile
	CanAct   bool
	Device   registry.Device
	Risks    []protocol.Risk
	States   []registry.StateChange
	Presence []registry.PresenceChange
	Commands []registry.CommandRecord
	Audit    []registry.AuditEntry
	Releases []releaseRow
	// CSRF is the session's token, for the forms of the live parts.
	CSRF string
	// Cert is the newest certificate, nil without one; CanIssue says a
	// released phone has none yet.
	Cert     *registry.CertificateRecord
	CanIssue bool
}

func (s *server) phoneView(r *http.Request, rq request) (phoneBody, error) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	reg := s.c.Registry()
	d, err := reg.Device(ctx, id)
	if err != nil {
		return phoneBody{}, err
	}
	b := phoneBody{Device: d, CanAct: rq.op.Role.Allows(controller.RoleOperator), CSRF: rq.sess.csrf}
	if d.State != nil {
		b.Risks = d.State.Risks
	}
	if b.States, err = reg.StateHistory(ctx, id, historyLimit); err != nil {
		return b, err
	}
	if b.Presence, err = reg.PresenceHistory(ctx, id, historyLimit); err != nil {
		return b, err
	}
	if b.Commands, err = reg.Commands(ctx, id); err != nil {
		return b, err
	}
	slices.Reverse(b.Commands)
	b.Commands = b.Commands[:min(len(b.Commands), historyLimit)]
	if b.Audit, err = reg.Audit(ctx, id, historyLimit); err != nil {
		return b, err
	}
	slices.Reverse(b.Audit)
	rels, err := reg.Releases(ctx, registry.ReleaseFilter{DeviceID: id, Limit: historyLimit})
	if err != nil {
		return b, err
	}
	slices.Reverse(rels)
	for _, r := range rels {
		row := releaseRow{R: r, Serial: d.Identity.Serial, Stage: stageWords(r.Stage), Reason: reasonWords(r.Reason), CanAct: b.CanAct, CSRF: b.CSRF}
		b.Releases = append(b.Releases, row)
	}
	var rel *registry.ReleaseRecord
	if len(rels) > 0 {
		rel = &rels[0]
	}
	b.T = tileOf(d, rel)
	c, err := reg.LatestCertificate(ctx, id)
	switch {
	case err == nil:
		b.Cert = &c
	case !errors.Is(err, registry.ErrNotFound):
		return b, err
	}
	b.CanIssue = rel != nil && rel.Outcome == registry.OutcomeReleased && (b.Cert == nil || b.Cert.ReleaseID != rel.ID)
	return b, nil
}

func (s *server) phone(w http.ResponseWriter, r *http.Request, rq request) {
	b, err := s.phoneView(r, rq)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		s.fail(w, rq, http.StatusNotFound, "No phone has this ID.")
	case err != nil:
		s.log.Error("console: phone", "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the registry.")
	default:
		s.render(w, http.StatusOK, "phone", "", s.data(rq, "Phone "+b.T.Serial, "fleet", b))
	}
}

// phoneFragment is the live part of the phone page: verdict, risks and
// next step.
func (s *server) phoneFragment(w http.ResponseWriter, r *http.Request, rq request) {
	s.phonePart(w, r, rq, "phone-live")
}

// phoneHistoryFragment is the rest of the phone page: certificate,
// releases, state, presence, commands and audit, read again on each of the
// phone's events so that new rows appear.
func (s *server) phoneHistoryFragment(w http.ResponseWriter, r *http.Request, rq request) {
	s.phonePart(w, r, rq, "phone-history")
}

func (s *server) phonePart(w http.ResponseWriter, r *http.Request, rq request, name string) {
	b, err := s.phoneView(r, rq)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		http.NotFound(w, r)
	case err != nil:
		http.Error(w, "cannot read the registry", http.StatusInternalServerError)
	default:
		s.render(w, http.StatusOK, "", name, b)
	}
}

func (s *server) certificate(w http.ResponseWriter, r *http.Request, rq request) (registry.CertificateRecord, bool) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	c, err := s.c.Registry().LatestCertificate(ctx, r.PathValue("id"))
	switch {
	case errors.Is(err, registry.ErrNotFound):
		s.fail(w, rq, http.StatusNotFound, "This phone has no certificate yet: one is issued once a release ended released.")
		return c, false
	case err != nil:
		s.fail(w, rq, http.StatusInternalServerError, "Cannot read the certificate.")
		return c, false
	}
	return c, true
}

// certificateHTML is the printable certificate (controller/cert's page:
// inline CSS, no script), checked against the controller's key.
func (s *server) certificateHTML(w http.ResponseWriter, r *http.Request, rq request) {
	c, ok := s.certificate(w, r, rq)
	if !ok {
		return
	}
	sc, err := cert.Open(c.Document, s.c.PublicKey())
	if err != nil {
		s.log.Error("console: certificate does not verify", "device", c.DeviceID, "err", err)
		s.fail(w, rq, http.StatusInternalServerError, "The stored certificate does not verify with this controller's key.")
		return
	}
	page, err := cert.HTML(sc)
	if err != nil {
		s.fail(w, rq, http.StatusInternalServerError, "Cannot render the certificate.")
		return
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(page)
}

// certificateJSON downloads the signed certificate file as stored.
func (s *server) certificateJSON(w http.ResponseWriter, r *http.Request, rq request) {
	c, ok := s.certificate(w, r, rq)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, certFileName(c)))
	_, _ = w.Write(c.Document)
}

// certFileName is safe in a header whatever the device ID holds.
func certFileName(c registry.CertificateRecord) string {
	name := []rune{}
	for _, r := range c.DeviceID {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			name = append(name, r)
		} else {
			name = append(name, '_')
		}
	}
	return "certificate-" + string(name) + ".json"
}

func (s *server) issueCertificate(w http.ResponseWriter, r *http.Request, rq request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	id := r.PathValue("id")
	_, _, err := s.c.IssueCertificate(ctx, id, rq.op.Name, "")
	if err != nil {
		s.log.Warn("console: issue certificate", "device", id, "err", err)
		s.fail(w, rq, http.StatusConflict, "No certificate was issued: "+err.Error())
		return
	}
	http.Redirect(w, r, "/phones/"+pathEscape(id)+"/certificate", http.StatusSeeOther)
}
