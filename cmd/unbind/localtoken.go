package main

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
)

// localAdmin is the operator account whose token `unbind serve` keeps for
// the CLI on the controller's own machine.
const localAdmin = "local-admin"

// localAdminName is the local admin account of this controller. On a
// registry several controllers share, each has its own (named after its
// machine and API port): replacing one account's token would revoke the
// token another controller's machine keeps.
func localAdminName(shared bool, apiPort string) string {
	if !shared {
		return localAdmin
	}
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return -1
	}, host)
	return localAdmin + "@" + cmp.Or(host[:min(len(host), 40)], "host") + "-" + apiPort
}

// ensureLocalToken makes sure the user's config directory holds a working
// admin token for this controller's loopback address (localhost:PORT), so
// that the CLI on this machine needs no login. A stored token that still
// authenticates as an admin is kept; otherwise (first start, file lost,
// account revoked) the local-admin account gets a new token, written
// owner-only (0600). The token itself is never printed or logged.
func ensureLocalToken(ctx context.Context, c *controller.Controller, apiURL string) (string, error) {
	dir, err := cli.ConfigDir()
	if err != nil {
		return "", err
	}
	_, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(apiURL, "https://"), "http://"))
	if err != nil {
		return "", fmt.Errorf("local admin token: API address %s: %w", apiURL, err)
	}
	local := "http://127.0.0.1:" + port
	if strings.HasPrefix(apiURL, "https://") {
		local = "https://127.0.0.1:" + port
	}
	path, err := cli.TokenPath(dir, local)
	if err != nil {
		return "", err
	}
	tok, err := cli.LoadTokenFrom(dir, local)
	if op, aerr := c.Authenticate(ctx, tok); err != nil || tok == "" || aerr != nil || op.Role != controller.RoleAdmin {
		tok, err = c.AddOperator(ctx, localAdminName(c.Registry().Shared(), port), controller.RoleAdmin, true, registry.ActorController, "token for the CLI on the controller's machine")
		if err != nil {
			return "", fmt.Errorf("local admin token: %w", err)
		}
		if path, err = cli.SaveTokenTo(dir, local, tok); err != nil {
			return "", err
		}
	}
	// Beside the token, the API's URL: the CLI's --api defaults to it when
	// it is this machine's only controller (see localAPIs).
	if err := os.WriteFile(apiFileOf(path), []byte(local+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("local admin token: note the API URL: %w", err)
	}
	return path, nil
}

// apiFileOf is the file beside a local controller's token that names its
// API URL.
func apiFileOf(tokenPath string) string {
	return strings.TrimSuffix(tokenPath, ".token") + ".api"
}

// localAPIs lists the API URLs of the controllers `unbind serve` or `unbind
// demo` ran on this machine (whose local admin token is still stored under
// dir), sorted. A controller no longer running stays listed until its
// token file is removed.
func localAPIs(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "tokens", "*.api"))
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		u := strings.TrimSpace(string(b))
		path, err := cli.TokenPath(dir, u)
		if err != nil || apiFileOf(path) != f {
			continue // not what ensureLocalToken wrote
		}
		if _, err := os.Stat(path); err != nil {
			continue
		}
		out = append(out, u)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
