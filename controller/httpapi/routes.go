// Package httpapi serves the controller's HTTP API: the api package's paths
// and types, answered from a running controller. Every route is listed once,
// in Routes, so that middleware (authentication, roles, logging) wraps them
// all in one place.
package httpapi

import (
	"fmt"
	"net/http"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/console"
	"github.com/unbind/unbind/internal/loopback"
)

// Public marks a route that needs no API token: /healthz, and enrollment,
// which needs an enrollment token instead.
const Public controller.Role = "public"

// Route is one endpoint: a net/http pattern ("METHOD /path/{id}"), the
// least role a caller's API token must have (or Public), and its handler.
// A route with no role is served as admin-only: forgetting one fails
// closed.
type Route struct {
	Pattern string
	Role    controller.Role
	Handler http.HandlerFunc
}

// Routes is the route table of the API served for c (without metrics:
// GET /metrics answers 404).
func Routes(c *controller.Controller) []Route {
	return routes(&server{c: c, metrics: http.NotFoundHandler()})
}

func routes(s *server) []Route {
	const (
		viewer   = controller.RoleViewer
		operator = controller.RoleOperator
		admin    = controller.RoleAdmin
	)
	return []Route{
		{"GET /healthz", Public, s.health},
		{"GET /api/v1/me", viewer, s.me},
		{"GET /api/v1/summary", viewer, s.summary},
		{"GET /api/v1/devices", viewer, s.devices},
		{"GET /api/v1/devices/{id}", viewer, s.device},
		{"GET /api/v1/devices/{id}/commands", viewer, s.commands},
		{"POST /api/v1/devices/{id}/commands", operator, s.sendCommand},
		{"POST /api/v1/commands/{id}/cancel", operator, s.cancel},
		{"POST /api/v1/monitors", admin, s.newMonitor},
		{"POST /api/v1/enroll", Public, s.enroll},
		{"POST /api/v1/enroll/tokens", operator, s.newEnrollmentToken},
		{"POST /api/v1/releases", operator, s.startReleases},
		{"GET /api/v1/releases", viewer, s.releases},
		{"POST /api/v1/releases/cancel", operator, s.cancelReleases},
		{"POST /api/v1/releases/{id}/confirm", operator, s.confirmRelease},
		{"POST /api/v1/releases/{id}/hold", operator, s.holdRelease},
		{"GET /api/v1/holds", viewer, s.holds},
		{"GET /api/v1/audit", viewer, s.audit},
		{"GET /api/v1/audit/verify", viewer, s.verifyAudit},
		{"GET /api/v1/devices/{id}/audit", viewer, s.deviceAudit},
		{"GET /api/v1/devices/{id}/certificate", viewer, s.certificate},
		{"POST /api/v1/devices/{id}/certificate", operator, s.issueCertificate},
		{"POST /api/v1/batches/{id}/certificates", operator, s.certifyBatch},
		{"GET /api/v1/key", viewer, s.publicKey},
		{"GET /api/v1/operators", admin, s.operators},
		{"POST /api/v1/operators", admin, s.addOperator},
		{"POST /api/v1/operators/{name}/revoke", admin, s.revokeOperator},
		{"POST /api/v1/monitors/{name}/revoke", admin, s.revokeMonitor},
		{"POST /api/v1/devices/{id}/revoke", admin, s.revokeDevice},
		{"POST /api/v1/devices/{id}/resolve-identity", admin, s.resolveIdentity},
		{"GET /api/v1/backup", admin, s.backup},
		{"GET /api/v1/webhooks", viewer, s.webhooks},
		{"POST /api/v1/webhooks", admin, s.addWebhook},
		{"POST /api/v1/webhooks/{id}/remove", admin, s.removeWebhook},
		{"POST /api/v1/webhooks/{id}/test", admin, s.testWebhook},
		{"GET /api/v1/webhooks/deliveries", viewer, s.webhookDeliveries},
		{"GET /metrics", viewer, s.metrics.ServeHTTP},
		{"GET /api/v1/export", viewer, s.export},
		{"GET /api/v1/lots", viewer, s.lots},
		{"POST /api/v1/lots", operator, s.addLot},
		{"GET /api/v1/lots/{id}", viewer, s.lot},
		{"POST /api/v1/lots/{id}/close", operator, s.closeLot},
		{"POST /api/v1/lots/{id}/join", operator, s.joinLot},
		{"GET /api/v1/lots/{id}/pack", viewer, s.lotPack},
		{"GET /api/v1/devices/{id}/label", viewer, s.deviceLabel},
		{"GET /api/v1/stations", viewer, s.stations},
		{"GET /api/v1/stations/{name}", viewer, s.station},
		{"POST /api/v1/stations/{name}/lot", operator, s.setStationLot},
	}
}

// Middleware wraps a route's handler; it sees the route's pattern and role.
type Middleware func(Route, http.Handler) http.Handler

// New is the API's handler for c: every route of Routes behind the guard
// (Host check on loopback, bearer token and role, JSON request bodies; see
// guard), and the middleware around that in order (the first is
// outermost), so that it also sees the requests the guard refuses. Every
// other path is the browser console (controller/console).
func New(c *controller.Controller, mw ...Middleware) http.Handler {
	return newHandler(c, nil, mw...)
}

// newHandler is New with metrics served at GET /metrics (nil: 404).
func newHandler(c *controller.Controller, metrics http.Handler, mw ...Middleware) http.Handler {
	if metrics == nil {
		metrics = http.NotFoundHandler()
	}
	mux := http.NewServeMux()
	for _, r := range routes(&server{c: c, metrics: metrics}) {
		h := guard(c, r, r.Handler)
		for i := len(mw) - 1; i >= 0; i-- {
			h = mw[i](r, h)
		}
		mux.Handle(r.Pattern, h)
	}
	// Any other path under /api/ is the API's: a JSON 404, never the console.
	mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !loopback.HostAllowed(req) {
			writeError(w, http.StatusMisdirectedRequest, fmt.Errorf("host %q is not this controller: a loopback API answers only to localhost, 127.0.0.1 or [::1]", req.Host))
			return
		}
		writeError(w, http.StatusNotFound, fmt.Errorf("no API route %s %s", req.Method, req.URL.Path))
	}))
	// The browser console: its own cookie session and CSRF token, never the
	// bearer token; every path the API does not claim.
	mux.Handle("/", console.New(c, console.Options{}))
	return mux
}

// server answers the routes from the controller.
type server struct {
	c       *controller.Controller
	metrics http.Handler
}
