package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/unbind/unbind/api"
)

// maxRequestBody bounds request bodies; requests are a few bytes, a release
// request with many device IDs at most a few kilobytes.
const (
	maxRequestBody = 4 << 10
	maxReleaseBody = 1 << 20
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, api.ErrorBody{Error: err.Error()})
}

// decodeBody reads a JSON request of at most limit bytes, refusing unknown
// fields.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
