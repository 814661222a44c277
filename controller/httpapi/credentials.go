package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

func (s *server) revokeDevice(w http.ResponseWriter, r *http.Request) {
	s.revoke(w, r, r.PathValue("id"), false)
}

func (s *server) revokeMonitor(w http.ResponseWriter, r *http.Request) {
	s.revoke(w, r, r.PathValue("name"), true)
}

// revoke answers 204 once the credentials are revoked and their sessions
// ended, and 404 for credentials that never existed.
func (s *server) revoke(w http.ResponseWriter, r *http.Request, id string, monitor bool) {
	var req api.RevokeRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("revoke request: %w", err))
		return
	}
	var err error
	if monitor {
		err = s.c.RevokeMonitor(r.Context(), id, actor(r))
	} else {
		err = s.c.RevokeDevice(r.Context(), id, actor(r))
	}
	switch {
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Errorf("no credentials for %q", id))
	case errors.Is(err, protocol.ErrBadDeviceID):
		writeError(w, http.StatusBadRequest, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// backup answers a consistent copy of the registry: VACUUM INTO a private
// temporary file, streamed and then removed.
func (s *server) backup(w http.ResponseWriter, r *http.Request) {
	dir, err := os.MkdirTemp("", "unbind-backup-")
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("backup: %w", err))
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "registry.db")
	err = s.c.Registry().Backup(r.Context(), path)
	switch {
	case errors.Is(err, registry.ErrBackupUnsupported): // PostgreSQL: pg_dump's job
		writeError(w, http.StatusNotImplemented, err)
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("backup: %w", err))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.sqlite3")
	w.Header().Set("Cache-Control", "no-store")
	if fi, err := f.Stat(); err == nil {
		w.Header().Set("Content-Length", fmt.Sprint(fi.Size()))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
}

// resolveIdentity names the device the genuine phone of its open identity
// conflicts: 200 with the devices disowned, 404 for a device without one.
func (s *server) resolveIdentity(w http.ResponseWriter, r *http.Request) {
	var req api.ResolveIdentityRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("resolve identity request: %w", err))
		return
	}
	id := r.PathValue("id")
	disowned, err := s.c.ResolveIdentity(r.Context(), id, actor(r), req.Note)
	switch {
	case errors.Is(err, registry.ErrNoConflict):
		writeError(w, http.StatusNotFound, fmt.Errorf("device %q has no open identity conflict", id))
	case errors.Is(err, protocol.ErrBadDeviceID):
		writeError(w, http.StatusBadRequest, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusOK, api.ResolveIdentityBody{Genuine: id, Disowned: disowned})
	}
}
