package httpapi

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/internal/loopback"
)

type operatorKey struct{}

// OperatorFrom is the authenticated operator of a request that passed the
// guard of a non-public route.
func OperatorFrom(ctx context.Context) (controller.Operator, bool) {
	op, ok := ctx.Value(operatorKey{}).(controller.Operator)
	return op, ok
}

// guard answers before any route's handler, in this order:
//   - a request that reached a loopback address with a Host other than
//     localhost, 127.0.0.1 or [::1] (any port) is refused with 421: a web
//     page whose name was re-pointed at 127.0.0.1 (DNS rebinding) never
//     reaches a handler;
//   - a non-public route without a bearer token, or with one that is
//     unknown or revoked, gets 401; a token whose role is too low gets 403.
//     Both come before the handler looks anything up, so they say nothing
//     about whether a device exists;
//   - a public route's body is read under controller.LimitAnonymousBody;
//   - a POST whose Content-Type is not application/json gets 415, so that
//     no HTML form or simple cross-site request can post to the API.
//
// No route sets CORS headers: browsers keep other origins from reading
// answers or sending the Authorization header.
func guard(c *controller.Controller, r Route, next http.Handler) http.Handler {
	need := r.Role
	if need == "" {
		need = controller.RoleAdmin
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !loopback.HostAllowed(req) {
			writeError(w, http.StatusMisdirectedRequest, fmt.Errorf("host %q is not this controller: a loopback API answers only to localhost, 127.0.0.1 or [::1]", req.Host))
			return
		}
		if need == Public {
			// No credential vouches for the caller yet: its body is small
			// and must come at once.
			controller.LimitAnonymousBody(w, req, maxRequestBody)
		} else {
			op, status, err := authorize(c, req, need)
			if err != nil {
				if status == http.StatusUnauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="unbind"`)
				}
				writeError(w, status, err)
				return
			}
			req = req.WithContext(context.WithValue(req.Context(), operatorKey{}, op))
		}
		if req.Method == http.MethodPost && !isJSON(req.Header.Get("Content-Type")) {
			writeError(w, http.StatusUnsupportedMediaType, errors.New("request bodies must be application/json"))
			return
		}
		next.ServeHTTP(w, req)
	})
}

func authorize(c *controller.Controller, req *http.Request, need controller.Role) (controller.Operator, int, error) {
	scheme, token, ok := strings.Cut(req.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return controller.Operator{}, http.StatusUnauthorized, errors.New("an API token is required (Authorization: Bearer TOKEN; see `unbind login`)")
	}
	op, err := c.Authenticate(req.Context(), strings.TrimSpace(token))
	switch {
	case errors.Is(err, controller.ErrBadToken):
		return op, http.StatusUnauthorized, errors.New("the API token is unknown or revoked")
	case err != nil:
		return op, http.StatusInternalServerError, errors.New("cannot check the API token")
	case !op.Role.Allows(need):
		return op, http.StatusForbidden, fmt.Errorf("this needs the %s role; the token's role is %s", need, op.Role)
	}
	return op, 0, nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
