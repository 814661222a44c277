package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/protocol"
)

// enroll needs no other credential than the token: the agent has nothing
// else yet.
func (s *server) enroll(w http.ResponseWriter, r *http.Request) {
	var req protocol.EnrollRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("enroll request: %w", err))
		return
	}
	e, err := s.c.Enroll(r.Context(), req.Token, req.DeviceID)
	switch {
	case errors.Is(err, controller.ErrEnrollRefused):
		writeError(w, http.StatusUnauthorized, controller.ErrEnrollRefused)
	case errors.Is(err, protocol.ErrBadDeviceID):
		writeError(w, http.StatusBadRequest, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, e)
	}
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
	t, err := s.c.NewEnrollmentToken(r.Context(), ttl)
	if err != nil {
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
