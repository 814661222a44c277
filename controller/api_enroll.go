package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Enrollment API paths. Enrolling needs no other credential than the token:
// the agent has nothing else yet.
const (
	pathEnroll       = "POST /api/v1/enroll"
	pathEnrollTokens = "POST /api/v1/enroll/tokens"
)

// EnrollRequest is the body of POST /api/v1/enroll.
type EnrollRequest struct {
	Token    string `json:"token"`
	DeviceID string `json:"device_id"`
}

// TokenRequest is the body of POST /api/v1/enroll/tokens; TTL is a Go
// duration such as "24h" and may be empty.
type TokenRequest struct {
	TTL string `json:"ttl,omitempty"`
}

func registerEnrollRoutes(mux *http.ServeMux, c *Controller) {
	mux.HandleFunc(pathEnroll, func(w http.ResponseWriter, r *http.Request) {
		var req EnrollRequest
		if err := decodeBody(w, r, &req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("enroll request: %w", err))
			return
		}
		e, err := c.Enroll(r.Context(), req.Token, req.DeviceID)
		switch {
		case errors.Is(err, ErrEnrollRefused):
			writeError(w, http.StatusUnauthorized, ErrEnrollRefused)
		case errors.Is(err, protocol.ErrBadDeviceID):
			writeError(w, http.StatusBadRequest, err)
		case err != nil:
			writeError(w, http.StatusInternalServerError, err)
		default:
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, http.StatusOK, e)
		}
	})
	mux.HandleFunc(pathEnrollTokens, func(w http.ResponseWriter, r *http.Request) {
		var req TokenRequest
		if err := decodeBody(w, r, &req); err != nil {
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
		t, err := c.NewEnrollmentToken(r.Context(), ttl)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusCreated, t)
	})
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
