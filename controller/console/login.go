package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/unbind/unbind/controller"
)

// maxSignInForm bounds a sign-in form: a token or a code, a CSRF token and
// the page to go on to.
const maxSignInForm = 8 << 10

type loginBody struct {
	Next  string
	Error string
}

// loginPage shows the sign-in form. Its CSRF token is a double-submit pair:
// a cookie and the same value in the form, since there is no session yet.
func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.showLogin(w, r, http.StatusOK, "")
}

func (s *server) showLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 3600})
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	s.render(w, status, "login", "", pageData{Title: "Sign in", CSRF: tok, Body: loginBody{Next: localPath(next), Error: msg}})
}

// login checks the operator token and starts a session.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	if !readSignInForm(w, r, "reload the page and try again") {
		return
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	op, err := s.c.Authenticate(r.Context(), token)
	switch {
	case errors.Is(err, controller.ErrBadToken):
		s.log.Info("console: sign-in refused")
		s.showLogin(w, r, http.StatusUnauthorized, "That token is unknown or revoked.")
		return
	case err != nil:
		http.Error(w, "cannot check the token", http.StatusInternalServerError)
		return
	}
	s.log.Info("console: signed in", "role", string(op.Role))
	s.startSession(w, r, token, r.PostForm.Get("next"))
}

// startSession sets the session cookie for an operator's token and goes on
// to next (a path on this site).
func (s *server) startSession(w http.ResponseWriter, r *http.Request, token, next string) {
	id, _ := s.sessions.create(token)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(s.sessions.ttl.Seconds())})
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, _ request) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.end(ck.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// readSignInForm reads a sign-in form (a token or a one-time code) and checks
// it against the sign-in CSRF cookie. On failure it answers, telling the
// person to retry, and returns false.
func readSignInForm(w http.ResponseWriter, r *http.Request, retry string) bool {
	controller.LimitAnonymousBody(w, r, maxSignInForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "cannot read the form", http.StatusBadRequest)
		return false
	}
	ck, err := r.Cookie(loginCSRFCookie)
	if err != nil || !sameSecret(r.PostForm.Get(csrfField), ck.Value) {
		http.Error(w, "the sign-in form's CSRF token is missing or wrong: "+retry, http.StatusForbidden)
		return false
	}
	return true
}
