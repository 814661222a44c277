package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// PathHolds lists the releases on hold.
const PathHolds = "/api/v1/holds"

// HoldReleasePath is where a release is put on hold.
func HoldReleasePath(id string) string {
	return "/api/v1/releases/" + url.PathEscape(id) + "/hold"
}

// HoldRelease puts a running release on hold with the operator's note as
// its reason.
func (c *Client) HoldRelease(ctx context.Context, id string, req HoldRequest) (Release, error) {
	var body ReleasesBody
	if err := c.do(ctx, http.MethodPost, HoldReleasePath(id), req, &body); err != nil {
		return Release{}, err
	}
	if len(body.Releases) != 1 {
		return Release{}, fmt.Errorf("hold release %s: %d releases in the answer", id, len(body.Releases))
	}
	return body.Releases[0], nil
}

// Holds lists the releases on hold, oldest first; each one's Deadline is
// its next re-check.
func (c *Client) Holds(ctx context.Context) ([]Release, error) {
	var body ReleasesBody
	err := c.do(ctx, http.MethodGet, PathHolds, nil, &body)
	return body.Releases, err
}

// StageOnHold is the stage of a release waiting on hold.
const StageOnHold = "on_hold"
