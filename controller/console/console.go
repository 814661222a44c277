// Package console serves the operator console in the browser: sign-in with
// an operator's API token, the fleet, each phone, releases and certificates,
// and a bench view, rendered on the server from embedded templates, with
// live updates over Server-Sent Events. Nothing is fetched from elsewhere.
//
// It lives on the API's listener beside /api/v1 (see httpapi.New), with its
// own cookie session and CSRF token instead of the API's bearer token.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/internal/loopback"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Options tunes the console. The zero value is ready to use.
type Options struct {
	// SessionTTL is how long a sign-in lasts (0: 12 hours).
	SessionTTL time.Duration
	// Logger defaults to the controller's.
	Logger *slog.Logger
	// Now is the clock of session expiry (nil: time.Now).
	Now func() time.Time
}

// PageSize is how many phones one page of the fleet shows.
const PageSize = 100

// maxFormBytes bounds a posted form: a release of 5,000 phones fits.
const maxFormBytes = 1 << 20

type server struct {
	c        *controller.Controller
	log      *slog.Logger
	sessions *sessions
	pages    map[string]*template.Template
}

// New is the console's handler for c.
func New(c *controller.Controller, opts Options) http.Handler {
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = defaultSessionTT
	}
	if opts.Logger == nil {
		opts.Logger = c.Logger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &server{c: c, log: opts.Logger, sessions: newSessions(opts.SessionTTL, opts.Now), pages: parsePages()}
	const (
		viewer   = controller.RoleViewer
		operator = controller.RoleOperator
	)
	mux := http.NewServeMux()
	assets, _ := fs.Sub(assetFS, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST "+LinksPath, s.newLinkHandler)
	mux.HandleFunc("GET /login/link", s.linkPage)
	mux.HandleFunc("POST /login/link", s.useLink)
	mux.Handle("POST /logout", s.guard(viewer, s.logout))
	mux.Handle("GET /{$}", s.guard(viewer, s.fleet))
	mux.Handle("GET /bench", s.guard(viewer, s.bench))
	mux.Handle("GET /find", s.guard(viewer, s.find))
	mux.Handle("GET /lots", s.guard(viewer, s.lots))
	mux.Handle("GET /lots/{id}", s.guard(viewer, s.lotPage))
	mux.Handle("POST /lots/{id}/join", s.guard(operator, s.joinLot))
	mux.Handle("GET /lots/{id}/labels.pdf", s.guard(viewer, s.lotLabels))
	mux.Handle("GET /lots/{id}/pack.zip", s.guard(viewer, s.lotPack))
	mux.Handle("GET /phones/{id}", s.guard(viewer, s.phone))
	mux.Handle("GET /phones/{id}/person", s.guard(viewer, s.personView))
	mux.Handle("POST /phones/{id}/recheck", s.guard(operator, s.recheck))
	mux.Handle("POST /phones/{id}/cancel", s.guard(operator, s.cancelPhoneRelease))
	mux.Handle("GET /phones/{id}/certificate", s.guard(viewer, s.certificateHTML))
	mux.Handle("GET /phones/{id}/certificate.json", s.guard(viewer, s.certificateJSON))
	mux.Handle("POST /phones/{id}/certificate", s.guard(operator, s.issueCertificate))
	mux.Handle("POST /release/confirm", s.guard(operator, s.confirmRelease))
	mux.Handle("POST /release", s.guard(operator, s.startRelease))
	mux.Handle("GET /releases", s.guard(viewer, s.releases))
	mux.Handle("GET /holds", s.guard(viewer, s.holds))
	mux.Handle("GET /holds/{id}/sheet", s.guard(viewer, s.unlinkSheet))
	mux.Handle("GET /holds/{id}/sheet.pdf", s.guard(viewer, s.unlinkSheetPDF))
	mux.Handle("POST /releases/cancel", s.guard(operator, s.cancelReleases))
	mux.Handle("POST /releases/{id}/confirm-reset", s.guard(operator, s.confirmReset))
	mux.Handle("GET /releases/certificates.zip", s.guard(viewer, s.certificatesZip))
	mux.Handle("GET /events", s.guard(viewer, s.events))
	mux.Handle("GET /fragments/counts", s.guard(viewer, s.countsFragment))
	mux.Handle("GET /fragments/tile/{id}", s.guard(viewer, s.tileFragment))
	mux.Handle("GET /fragments/phone/{id}", s.guard(viewer, s.phoneFragment))
	mux.Handle("GET /fragments/phone/{id}/history", s.guard(viewer, s.phoneHistoryFragment))
	mux.Handle("GET /fragments/release/{id}", s.guard(viewer, s.releaseFragment))
	mux.Handle("GET /fragments/releases", s.guard(viewer, s.releasesFragment))
	mux.Handle("GET /fragments/bench", s.guard(viewer, s.benchFragment))
	mux.Handle("GET /fragments/waiting", s.guard(viewer, s.waitingFragment))
	mux.Handle("GET /fragments/phone/{id}/person", s.guard(viewer, s.personFragment))
	mux.Handle("POST /stations/{name}/lot", s.guard(operator, s.setStationLot))
	return headers(mux)
}

// request is what a guarded handler knows of its caller.
type request struct {
	op   controller.Operator
	sess *session
}

type handlerFunc func(http.ResponseWriter, *http.Request, request)

// headers sets what every console answer carries and refuses a loopback
// request whose Host is not a loopback name (DNS rebinding), as the API does.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback.HostAllowed(r) {
			http.Error(w, "this host name is not this controller", http.StatusMisdirectedRequest)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/assets/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// guard admits a signed-in operator whose role allows need. Without a
// session a page redirects to the sign-in form and anything else gets 401;
// a role too low gets 403, and so does a POST without the session's CSRF
// token. The checks come before the handler reads anything.
func (s *server) guard(need controller.Role, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sess *session
		if ck, err := r.Cookie(sessionCookie); err == nil {
			sess = s.sessions.get(ck.Value)
		}
		var op controller.Operator
		if sess != nil {
			var err error
			op, err = s.c.Authenticate(r.Context(), sess.token)
			switch {
			case errors.Is(err, controller.ErrBadToken):
				if ck, err := r.Cookie(sessionCookie); err == nil {
					s.sessions.end(ck.Value)
				}
				sess = nil
			case err != nil:
				http.Error(w, "cannot check the session", http.StatusInternalServerError)
				return
			}
		}
		if sess == nil {
			if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/fragments/") && r.URL.Path != "/events" {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "cannot read the form", http.StatusBadRequest)
				return
			}
			if !sameSecret(r.PostForm.Get(csrfField), sess.csrf) {
				http.Error(w, "the form's CSRF token is missing or wrong: reload the page and try again", http.StatusForbidden)
				return
			}
		}
		if !op.Role.Allows(need) {
			http.Error(w, fmt.Sprintf("this needs the %s role; yours is %s", need, op.Role), http.StatusForbidden)
			return
		}
		h(w, r, request{op: op, sess: sess})
	})
}

// localPath keeps a redirect target on this site: a path from the root,
// in printable ASCII (what the console's own escaped request URIs are),
// never "//" or a backslash. Browsers drop tabs and newlines from a URL and
// read a backslash as a slash, so "/\t/host" or "/\\host" would leave the
// site; anything of the kind is "/".
func localPath(next string) string {
	if len(next) == 0 || next[0] != '/' || (len(next) > 1 && next[1] == '/') {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return "/"
		}
	}
	return next
}

// ctxTimeout bounds the registry reads of one page.
func ctxTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}
