package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type loginOptions struct {
	API string
	// In is where the token is read from (stdin); Dir overrides the config
	// directory (tests).
	In  io.Reader
	Dir string
}

func newLoginCmd(ios streams) *cobra.Command {
	opts := &loginOptions{}
	cmd := &cobra.Command{
		Use:   "login --api URL",
		Short: "Store an operator's API token for a controller",
		Long: `login reads an API token (from 'unbind operator add') from standard input,
never from the command line, checks it with the controller, and stores it
owner-only in the user's config directory for that controller's host and
port. Later commands without --api (and without $UNBIND_API) talk to the
controller of the last login; with --api they send the token stored for
that controller. $UNBIND_TOKEN, when set, overrides every stored token.

On the controller's own machine no login is needed: 'unbind serve' stores an
admin token for its loopback address.`,
		Example: "  unbind login --api https://10.0.0.5:8443\n  pass show unbind | unbind login --api https://10.0.0.5:8443",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.In = cmd.InOrStdin()
			return loginRun(cmd.Context(), ios, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	return cmd
}

func loginRun(ctx context.Context, ios streams, opts *loginOptions) error {
	if f, ok := opts.In.(*os.File); ok && cli.IsTerminal(f) {
		fmt.Fprint(ios.Err, "API token: ")
	}
	line, err := bufio.NewReader(io.LimitReader(opts.In, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the token: %w", err)
	}
	token := strings.TrimSpace(line)
	if token == "" {
		return fmt.Errorf("%w: no token on standard input", errUsage)
	}
	me, err := api.NewClient(opts.API, nil).WithToken(token).Me(ctx)
	if err != nil {
		return fmt.Errorf("check the token with %s: %w", opts.API, err)
	}
	dir := opts.Dir
	if dir == "" {
		if dir, err = cli.ConfigDir(); err != nil {
			return err
		}
	}
	path, err := cli.SaveTokenTo(dir, opts.API, token)
	if err != nil {
		return err
	}
	// Later commands given no --api talk to this controller.
	if err := cli.SaveLoginAPI(dir, opts.API); err != nil {
		return err
	}
	cli.Printf(ios.Out, "logged in to %s as %s (%s); token stored in %s\nlater commands without --api talk to %s\n", opts.API, me.Name, me.Role, path, opts.API)
	return nil
}
