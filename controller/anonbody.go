package controller

import (
	"net/http"
	"time"
)

// anonymousBodyTimeout bounds reading the body of a request that carries
// no API token or session (enrollment, sign-in): theirs are a few hundred
// bytes, and a caller dribbling one must not hold a connection for the
// whole read timeout of the API (httpapi.ServeConfig.ReadTimeout).
const anonymousBodyTimeout = 5 * time.Second

// LimitAnonymousBody bounds the body of a request from a caller not known
// yet: at most limit bytes, all read within anonymousBodyTimeout of now.
// Both the API's public routes and the console's sign-in forms call it
// before reading.
func LimitAnonymousBody(w http.ResponseWriter, r *http.Request, limit int64) {
	// An error means the connection cannot take a deadline (a test's
	// recorder); the server's own read timeout still holds.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(anonymousBodyTimeout))
	r.Body = http.MaxBytesReader(w, r.Body, limit)
}
