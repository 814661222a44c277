package api

import (
	"context"
	"net/http"
	"time"
)

// PathConsoleLinks is where a client with an operator's API token asks for
// a one-time sign-in link to the browser console for that operator.
const PathConsoleLinks = "/login/links"

// ConsoleLink is the answer of PathConsoleLinks: Path is relative to the
// controller's base URL, and works once, until ExpiresAt.
type ConsoleLink struct {
	Path      string    `json:"path"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ConsoleLink asks for a one-time sign-in link to the console, as the
// operator whose token c sends.
func (c *Client) ConsoleLink(ctx context.Context) (ConsoleLink, error) {
	var l ConsoleLink
	err := c.do(ctx, http.MethodPost, PathConsoleLinks, nil, &l)
	return l, err
}
