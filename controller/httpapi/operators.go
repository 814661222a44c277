package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
)

// actor is the audit actor of an authenticated request.
func actor(r *http.Request) string {
	op, _ := OperatorFrom(r.Context())
	return op.Actor()
}

func (s *server) me(w http.ResponseWriter, r *http.Request) {
	op, _ := OperatorFrom(r.Context())
	writeJSON(w, http.StatusOK, api.Me{Name: op.Name, Role: string(op.Role)})
}

func (s *server) operators(w http.ResponseWriter, r *http.Request) {
	ops, err := s.c.Operators(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]api.Operator, 0, len(ops))
	for _, o := range ops {
		out = append(out, api.Operator{Name: o.Name, Role: o.Role, CreatedAt: o.CreatedAt, CreatedBy: o.CreatedBy, RevokedAt: o.RevokedAt})
	}
	writeJSON(w, http.StatusOK, api.OperatorsBody{Operators: out})
}

func (s *server) addOperator(w http.ResponseWriter, r *http.Request) {
	var req api.OperatorRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("operator request: %w", err))
		return
	}
	role, err := controller.ParseRole(req.Role)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	token, err := s.c.AddOperator(r.Context(), req.Name, role, false, actor(r), req.Note)
	switch {
	case errors.Is(err, controller.ErrBadName), errors.Is(err, controller.ErrBadRole):
		writeError(w, http.StatusBadRequest, err)
	case errors.Is(err, controller.ErrOperatorExists):
		writeError(w, http.StatusConflict, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusCreated, api.OperatorToken{Name: req.Name, Role: string(role), Token: token})
	}
}

func (s *server) revokeOperator(w http.ResponseWriter, r *http.Request) {
	var req api.NoteRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("revoke request: %w", err))
		return
	}
	err := s.c.RevokeOperator(r.Context(), r.PathValue("name"), actor(r), req.Note)
	switch {
	case errors.Is(err, controller.ErrBadName):
		writeError(w, http.StatusBadRequest, err)
	case errors.Is(err, controller.ErrUnknownOperator):
		writeError(w, http.StatusNotFound, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"revoked": r.PathValue("name")})
	}
}

func (s *server) verifyAudit(w http.ResponseWriter, r *http.Request) {
	v, err := s.c.Registry().VerifyAudit(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, api.AuditVerification{Rows: v.Rows, Unchained: v.Unchained, BrokenID: v.BrokenID, Reason: v.Reason})
}
