package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Where a release stands, as GET /api/v1/releases filters it (and as
// Release.State says): running (not finished, not on hold), on_hold, or the
// outcome it finished with.
const (
	ReleaseStateRunning  = "running"
	ReleaseStateOnHold   = StageOnHold
	ReleaseStateReleased = OutcomeReleased
	ReleaseStateFailed   = "failed"
	ReleaseStateCanceled = "canceled"
)

// ReleaseStates lists every state a release list may ask for.
var ReleaseStates = []string{ReleaseStateRunning, ReleaseStateOnHold, ReleaseStateReleased, ReleaseStateFailed, ReleaseStateCanceled}

// Page sizes of the release list.
const (
	DefaultReleaseLimit = 100
	MaxReleaseLimit     = 1000
)

// ReleaseQuery is the query of GET /api/v1/releases: either IDs (those
// releases, nothing else), or filters that combine with AND and a page,
// newest first. It is the one definition of the filter: the client builds
// the URL query with Values, the controller reads it with
// ParseReleaseQuery.
type ReleaseQuery struct {
	IDs []string
	// State is one of ReleaseStates.
	State    string
	DeviceID string
	// Lot selects the releases of the phones in that lot now.
	Lot   string
	Batch string
	// Since and Until bound when a release started: Since <= started < Until.
	Since, Until time.Time
	// Limit is the page's size: 0 means DefaultReleaseLimit.
	Limit int
	// Cursor continues a list where the page that gave it ended
	// (ReleasesBody.NextCursor).
	Cursor string
}

// The release list's query parameters.
const (
	releaseParamID     = "id"
	releaseParamState  = "state"
	releaseParamDevice = "device"
	releaseParamLot    = "lot"
	releaseParamBatch  = "batch"
	releaseParamSince  = "since"
	releaseParamUntil  = "until"
	releaseParamLimit  = "limit"
	releaseParamCursor = "cursor"
)

var releaseParams = []string{releaseParamID, releaseParamState, releaseParamDevice, releaseParamLot, releaseParamBatch,
	releaseParamSince, releaseParamUntil, releaseParamLimit, releaseParamCursor}

// Values is q as a URL query.
func (q ReleaseQuery) Values() url.Values {
	v := url.Values{}
	for _, id := range q.IDs {
		v.Add(releaseParamID, id)
	}
	for name, val := range map[string]string{
		releaseParamState: q.State, releaseParamDevice: q.DeviceID, releaseParamLot: q.Lot,
		releaseParamBatch: q.Batch, releaseParamCursor: q.Cursor,
	} {
		if val != "" {
			v.Set(name, val)
		}
	}
	if !q.Since.IsZero() {
		v.Set(releaseParamSince, q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set(releaseParamUntil, q.Until.UTC().Format(time.RFC3339Nano))
	}
	if q.Limit != 0 {
		v.Set(releaseParamLimit, strconv.Itoa(q.Limit))
	}
	return v
}

// ParseReleaseQuery reads a release list's URL query. Unknown or repeated
// parameters, a state outside ReleaseStates, a time that is not RFC 3339,
// a limit outside 1..MaxReleaseLimit, and IDs mixed with filters are errors
// that name the parameter and what it accepts.
func ParseReleaseQuery(v url.Values) (ReleaseQuery, error) {
	var q ReleaseQuery
	for name, vals := range v {
		if !slices.Contains(releaseParams, name) {
			return q, fmt.Errorf("release list: unknown parameter %q: want one of %s", name, strings.Join(releaseParams, ", "))
		}
		if name != releaseParamID && len(vals) > 1 {
			return q, fmt.Errorf("release list: parameter %q given %d times: give it once", name, len(vals))
		}
	}
	q.IDs = v[releaseParamID]
	q.State = v.Get(releaseParamState)
	q.DeviceID = v.Get(releaseParamDevice)
	q.Lot = v.Get(releaseParamLot)
	q.Batch = v.Get(releaseParamBatch)
	q.Cursor = v.Get(releaseParamCursor)
	if q.State != "" && !slices.Contains(ReleaseStates, q.State) {
		return q, fmt.Errorf("release list: state %q: want one of %s", q.State, strings.Join(ReleaseStates, ", "))
	}
	var err error
	if q.Since, err = parseQueryTime(releaseParamSince, v.Get(releaseParamSince)); err != nil {
		return q, err
	}
	if q.Until, err = parseQueryTime(releaseParamUntil, v.Get(releaseParamUntil)); err != nil {
		return q, err
	}
	if s := v.Get(releaseParamLimit); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxReleaseLimit {
			return q, fmt.Errorf("release list: limit %q: want a whole number from 1 to %d", s, MaxReleaseLimit)
		}
		q.Limit = n
	}
	if len(q.IDs) > 0 && len(v) > 1 {
		return q, fmt.Errorf("release list: %q names releases and does not combine with filters", releaseParamID)
	}
	return q, nil
}

func parseQueryTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("release list: %s %q: want an RFC 3339 time such as 2026-12-06T09:00:00Z", name, s)
	}
	return t, nil
}

// ListReleases returns a page of the releases q selects, newest first, and
// the cursor of the next page ("" on the last page).
func (c *Client) ListReleases(ctx context.Context, q ReleaseQuery) ([]Release, string, error) {
	var body ReleasesBody
	path := PathReleases
	if v := q.Values(); len(v) > 0 {
		path += "?" + v.Encode()
	}
	err := c.do(ctx, http.MethodGet, path, nil, &body)
	return body.Releases, body.NextCursor, err
}
