package httpapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/registry"
)

// releases answers GET /api/v1/releases: the releases named by id, or a
// page of the list its filters select (api.ParseReleaseQuery), newest first.
func (s *server) releases(w http.ResponseWriter, r *http.Request) {
	q, err := api.ParseReleaseQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if len(q.IDs) > 0 {
		s.releasesByID(w, r, q.IDs)
		return
	}
	list := registry.ReleaseList{
		State: q.State, DeviceID: q.DeviceID, LotID: q.Lot, BatchID: q.Batch,
		Since: q.Since, Until: q.Until, Limit: q.Limit,
	}
	if list.Limit == 0 {
		list.Limit = api.DefaultReleaseLimit
	}
	if q.Cursor != "" {
		if list.After, err = decodeReleaseCursor(q.Cursor); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
	}
	if status, err := s.releaseListNames(r, q); err != nil {
		writeError(w, status, err)
		return
	}
	rs, next, err := s.c.Registry().ListReleases(r.Context(), list)
	if errors.Is(err, registry.ErrBadReleaseState) {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	body := api.ReleasesBody{Releases: releasesOf(rs)}
	if next != nil {
		body.NextCursor = encodeReleaseCursor(*next)
	}
	writeJSON(w, http.StatusOK, body)
}

// releaseListNames checks that the device and lot a list names exist: a
// mistyped name is a 404, not an empty list.
func (s *server) releaseListNames(r *http.Request, q api.ReleaseQuery) (int, error) {
	if q.DeviceID != "" {
		_, err := s.c.Registry().Device(r.Context(), q.DeviceID)
		if errors.Is(err, registry.ErrNotFound) {
			return http.StatusNotFound, fmt.Errorf("release list: device %q not found", q.DeviceID)
		}
		if err != nil {
			return http.StatusInternalServerError, err
		}
	}
	if q.Lot != "" {
		_, err := s.c.Registry().Lot(r.Context(), q.Lot)
		if errors.Is(err, registry.ErrNotFound) {
			return http.StatusNotFound, fmt.Errorf("release list: lot %q not found", q.Lot)
		}
		if err != nil {
			return http.StatusInternalServerError, err
		}
	}
	return 0, nil
}

func (s *server) releasesByID(w http.ResponseWriter, r *http.Request, ids []string) {
	var out []registry.ReleaseRecord
	for _, id := range ids {
		rel, err := s.c.Registry().Release(r.Context(), id)
		if errors.Is(err, registry.ErrNotFound) {
			writeError(w, http.StatusNotFound, fmt.Errorf("release %q not found", id))
			return
		}
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		out = append(out, rel)
	}
	writeJSON(w, http.StatusOK, api.ReleasesBody{Releases: releasesOf(out)})
}

// A cursor is the creation time and ID of a page's last release, opaque to
// the caller.
func encodeReleaseCursor(c registry.ReleaseCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.CreatedAt.UTC().Format(time.RFC3339Nano) + " " + c.ID))
}

func decodeReleaseCursor(s string) (*registry.ReleaseCursor, error) {
	bad := fmt.Errorf("release list: cursor %q is not one this controller gave: start the list again without it", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	at, id, ok := strings.Cut(string(b), " ")
	if !ok || id == "" {
		return nil, bad
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return nil, bad
	}
	return &registry.ReleaseCursor{CreatedAt: t, ID: id}, nil
}
