package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
)

// localAdmin is the operator account whose token `unbind serve` keeps for
// the CLI on the controller's own machine.
const localAdmin = "local-admin"

// ensureLocalToken makes sure the user's config directory holds a working
// admin token for this controller's loopback address (localhost:PORT), so
// that the CLI on this machine needs no login. A stored token that still
// authenticates as an admin is kept; otherwise (first start, file lost,
// account revoked) the local-admin account gets a new token, written
// owner-only (0600). The token itself is never printed or logged.
func ensureLocalToken(ctx context.Context, c *controller.Controller) (string, error) {
	dir, err := cli.ConfigDir()
	if err != nil {
		return "", err
	}
	_, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(c.APIURL(), "https://"), "http://"))
	if err != nil {
		return "", fmt.Errorf("local admin token: API address %s: %w", c.APIURL(), err)
	}
	local := "http://127.0.0.1:" + port
	if tok, err := cli.LoadTokenFrom(dir, local); err == nil && tok != "" {
		if op, err := c.Authenticate(ctx, tok); err == nil && op.Role == controller.RoleAdmin {
			return cli.TokenPath(dir, local)
		}
	}
	tok, err := c.AddOperator(ctx, localAdmin, controller.RoleAdmin, true, registry.ActorController, "token for the CLI on the controller's machine")
	if err != nil {
		return "", fmt.Errorf("local admin token: %w", err)
	}
	return cli.SaveTokenTo(dir, local, tok)
}
