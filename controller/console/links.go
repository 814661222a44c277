package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
)

// linkTTL is how long a one-time sign-in link works.
const linkTTL = 2 * time.Minute

// LinksPath is where a client with an operator's API token (Authorization:
// Bearer) asks for a one-time sign-in link for that operator
// (api.Client.ConsoleLink): `unbind console` on the controller's machine
// does, with the local admin's token.
const LinksPath = api.PathConsoleLinks

type link struct {
	token   string
	expires time.Time
}

// newLink keeps a one-time code for token and returns it.
func (s *sessions) newLink(token string) (string, time.Time) {
	code := randomToken()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, l := range s.links {
		if !now.Before(l.expires) {
			delete(s.links, k)
		}
	}
	s.links[keyOf(code)] = link{token: token, expires: now.Add(linkTTL)}
	return code, now.Add(linkTTL)
}

// peekLink says whether a code is live, without using it up.
func (s *sessions) peekLink(code string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.links[keyOf(code)]
	if !ok || !s.now().Before(l.expires) {
		return "", false
	}
	return l.token, true
}

// takeLink uses a code up.
func (s *sessions) takeLink(code string) (string, bool) {
	tok, ok := s.peekLink(code)
	if ok {
		s.mu.Lock()
		delete(s.links, keyOf(code))
		s.mu.Unlock()
	}
	return tok, ok
}

// newLinkHandler answers LinksPath. It takes the bearer token, which a
// browser cannot send cross-site without a preflight no route answers.
func (s *server) newLinkHandler(w http.ResponseWriter, r *http.Request) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="unbind"`)
		linkAnswer(w, http.StatusUnauthorized, api.ErrorBody{Error: "an API token is required (Authorization: Bearer TOKEN)"})
		return
	}
	if _, err := s.c.Authenticate(r.Context(), token); errors.Is(err, controller.ErrBadToken) {
		linkAnswer(w, http.StatusUnauthorized, api.ErrorBody{Error: "the API token is unknown or revoked"})
		return
	} else if err != nil {
		linkAnswer(w, http.StatusInternalServerError, api.ErrorBody{Error: "cannot check the API token"})
		return
	}
	code, exp := s.sessions.newLink(token)
	linkAnswer(w, http.StatusOK, api.ConsoleLink{Path: "/login/link?code=" + code, ExpiresAt: exp.UTC()})
}

// linkAnswer answers in JSON, as the API does: api.Client reads it.
func linkAnswer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type linkPageBody struct {
	Code string
	Op   controller.Operator
}

// linkPage asks to confirm: opening a link (a preview, a prefetch) never
// signs in by itself.
func (s *server) linkPage(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	tok, ok := s.sessions.peekLink(code)
	var op controller.Operator
	var err error
	if ok {
		op, err = s.c.Authenticate(r.Context(), tok)
	}
	if !ok || err != nil {
		s.showLogin(w, r, http.StatusUnauthorized, "That sign-in link is used up or expired: run unbind console again, or paste a token.")
		return
	}
	csrf := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: csrf, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(linkTTL.Seconds())})
	s.render(w, http.StatusOK, "link", "", pageData{Title: "Sign in", CSRF: csrf, Body: linkPageBody{Code: code, Op: op}})
}

// useLink signs in with a one-time code.
func (s *server) useLink(w http.ResponseWriter, r *http.Request) {
	if !readSignInForm(w, r, "open the link again") {
		return
	}
	tok, ok := s.sessions.takeLink(r.PostForm.Get("code"))
	if !ok {
		s.showLogin(w, r, http.StatusUnauthorized, "That sign-in link is used up or expired: run unbind console again, or paste a token.")
		return
	}
	s.startSession(w, r, tok, "/")
}
