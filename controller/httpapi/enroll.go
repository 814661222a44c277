package httpapi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/protocol"
)

// enroll needs no other credential than the token: the agent has nothing
// else yet. Failures are limited per remote address (see
// controller.EnrollFrom).
func (s *server) enroll(w http.ResponseWriter, r *http.Request) {
	var req api.EnrollRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("enroll request: %w", err))
		return
	}
	e, err := s.c.EnrollFrom(r.Context(), remoteHost(r), req.Token, req.DeviceID)
	switch {
	case errors.Is(err, controller.ErrEnrollThrottled):
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusTooManyRequests, controller.ErrEnrollThrottled)
	case errors.Is(err, controller.ErrEnrollRefused):
		writeError(w, http.StatusUnauthorized, controller.ErrEnrollRefused)
	case errors.Is(err, controller.ErrIdentityTaken):
		// Only a caller holding a valid token learns that the ID is taken.
		writeError(w, http.StatusConflict, controller.ErrIdentityTaken)
	case errors.Is(err, protocol.ErrBadDeviceID):
		writeError(w, http.StatusBadRequest, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, e)
	}
}

// remoteHost is the client's IP address without its port: one phone or PC
// reconnecting from new ports is one address to the rate limit.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *server) newEnrollmentToken(w http.ResponseWriter, r *http.Request) {
	var req api.TokenRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("token request: %w", err))
		return
	}
	var ttl time.Duration
	if req.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(req.TTL); err != nil || ttl <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("ttl %q: want a positive duration such as 24h", req.TTL))
			return
		}
	}
	t, err := s.c.MintEnrollmentToken(r.Context(), controller.TokenOptions{
		TTL: ttl, DeviceID: req.DeviceID, Replace: req.Replace, Actor: actor(r), Note: req.Note,
	})
	switch {
	case errors.Is(err, controller.ErrBadTokenRequest):
		writeError(w, http.StatusBadRequest, err)
		return
	case errors.Is(err, controller.ErrIdentityTaken):
		writeError(w, http.StatusConflict, err)
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, api.EnrollmentToken{Token: t.Token, ExpiresAt: t.ExpiresAt})
}

func (s *server) newMonitor(w http.ResponseWriter, r *http.Request) {
	var req api.MonitorRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("monitor request: %w", err))
		return
	}
	m, err := s.c.NewMonitorCredential(r.Context(), req.Name, actor(r))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusCreated, api.MonitorCredential{Name: m.Name, Username: m.Username, Password: m.Password, BrokerURL: m.BrokerURL})
}
