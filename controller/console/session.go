package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"sync"
	"time"
)

// Cookie names. The session cookie is HttpOnly, SameSite=Strict, Secure
// under TLS, and expires with the session.
const (
	sessionCookie    = "unbind_session"
	loginCSRFCookie  = "unbind_login_csrf"
	csrfField        = "csrf"
	defaultSessionTT = 12 * time.Hour
)

// session is one signed-in browser. Sessions live in the controller's memory:
// signing out ends one at once, and a restart signs everyone out. The
// operator's API token is kept so that every request is checked again
// (a revoked operator is out at the next click, a changed role applies).
type session struct {
	token   string
	csrf    string
	expires time.Time
	// streams end the session's open event streams (see openStream).
	streams map[*context.CancelFunc]struct{}
}

// perSessionStreams caps one sign-in's open event streams: a browser opens
// at most six HTTP/1.1 connections to a host anyway, so more is a script.
const perSessionStreams = 6

type sessions struct {
	mu sync.Mutex
	m  map[string]*session // by sha256 of the cookie's value
	// links are one-time sign-in codes, by sha256 of the code.
	links map[string]link
	ttl   time.Duration
	now   func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: make(map[string]*session), links: make(map[string]link), ttl: ttl, now: now}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func keyOf(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

// create starts a session for an API token and returns the cookie value.
func (s *sessions) create(token string) (string, *session) {
	id := randomToken()
	now := s.now()
	sess := &session{token: token, csrf: randomToken(), expires: now.Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, old := range s.m {
		if !now.Before(old.expires) {
			delete(s.m, k)
		}
	}
	s.m[keyOf(id)] = sess
	return id, sess
}

// get returns the live session of a cookie value, or nil.
func (s *sessions) get(cookie string) *session {
	if cookie == "" {
		return nil
	}
	k := keyOf(cookie)
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.m[k]
	if sess == nil {
		return nil
	}
	if !s.now().Before(sess.expires) {
		delete(s.m, k)
		return nil
	}
	return sess
}

// end signs a cookie's session out and ends its open event streams.
func (s *sessions) end(cookie string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := keyOf(cookie)
	if sess := s.m[k]; sess != nil {
		for cancel := range sess.streams {
			(*cancel)()
		}
		sess.streams = nil
	}
	delete(s.m, k)
}

// openStream counts an event stream against sess's cap; cancel ends it when
// the session is signed out. It reports false, counting nothing, when the
// session already has perSessionStreams open; otherwise the caller calls
// the returned func when the stream ends.
func (s *sessions) openStream(sess *session, cancel context.CancelFunc) (func(), bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(sess.streams) >= perSessionStreams {
		return nil, false
	}
	if sess.streams == nil {
		sess.streams = make(map[*context.CancelFunc]struct{})
	}
	key := &cancel
	sess.streams[key] = struct{}{}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(sess.streams, key)
	}, true
}

func sameSecret(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
