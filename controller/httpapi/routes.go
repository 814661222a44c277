// Package httpapi serves the controller's HTTP API: the api package's paths
// and types, answered from a running controller. Every route is listed once,
// in Routes, so that middleware (authentication, roles, logging) wraps them
// all in one place.
package httpapi

import (
	"net/http"

	"github.com/unbind/unbind/controller"
)

// Route is one endpoint: a net/http pattern ("METHOD /path/{id}") and its
// handler.
type Route struct {
	Pattern string
	Handler http.HandlerFunc
}

// Routes is the route table of the API served for c.
func Routes(c *controller.Controller) []Route {
	s := &server{c: c}
	return []Route{
		{"GET /healthz", s.health},
		{"GET /api/v1/summary", s.summary},
		{"GET /api/v1/devices", s.devices},
		{"GET /api/v1/devices/{id}", s.device},
		{"GET /api/v1/devices/{id}/commands", s.commands},
		{"POST /api/v1/devices/{id}/commands", s.sendCommand},
		{"POST /api/v1/commands/{id}/cancel", s.cancel},
		{"POST /api/v1/monitors", s.newMonitor},
		{"POST /api/v1/monitors/{name}/revoke", s.revokeMonitor},
		{"POST /api/v1/devices/{id}/revoke", s.revokeDevice},
		{"GET /api/v1/backup", s.backup},
		{"POST /api/v1/enroll", s.enroll},
		{"POST /api/v1/enroll/tokens", s.newEnrollmentToken},
		{"POST /api/v1/releases", s.startReleases},
		{"GET /api/v1/releases", s.releases},
		{"GET /api/v1/audit", s.audit},
		{"GET /api/v1/devices/{id}/audit", s.deviceAudit},
		{"GET /api/v1/devices/{id}/certificate", s.certificate},
		{"POST /api/v1/devices/{id}/certificate", s.issueCertificate},
		{"GET /api/v1/key", s.publicKey},
	}
}

// Middleware wraps a route's handler; it sees the route's pattern.
type Middleware func(Route, http.Handler) http.Handler

// New is the API's handler for c: every route of Routes, each wrapped by
// the middleware in order (the first is outermost).
func New(c *controller.Controller, mw ...Middleware) http.Handler {
	mux := http.NewServeMux()
	for _, r := range Routes(c) {
		var h http.Handler = r.Handler
		for i := len(mw) - 1; i >= 0; i-- {
			h = mw[i](r, h)
		}
		mux.Handle(r.Pattern, h)
	}
	return mux
}

// server answers the routes from the controller.
type server struct {
	c *controller.Controller
}
