package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
)

type revokeOptions struct {
	API  string
	Kind string // "device" or "monitor"
	ID   string
}

// newRevokeCmd is `unbind device revoke ID` or `unbind monitor revoke NAME`.
func newRevokeCmd(io streams, kind string, runF func(context.Context, *revokeOptions) error) *cobra.Command {
	opts := &revokeOptions{Kind: kind}
	what, arg := "a phone's MQTT credentials", "ID"
	if kind == "monitor" {
		what, arg = "a monitor login", "NAME"
	}
	cmd := &cobra.Command{
		Use:   "revoke " + arg,
		Short: "Revoke " + what + " and end its open sessions at once",
		Long: `revoke makes the broker refuse the credentials from now on and disconnects
every session logged in with them. A revoked phone comes back only with a
token minted by ` + "`unbind enroll --replace ID`" + `; a monitor by creating it again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return revokeRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	return cmd
}

func revokeRun(ctx context.Context, io streams, opts *revokeOptions) error {
	c := newAPIClient(opts.API)
	req := api.RevokeRequest{}
	var err error
	if opts.Kind == "monitor" {
		err = c.RevokeMonitor(ctx, opts.ID, req)
	} else {
		err = c.RevokeDevice(ctx, opts.ID, req)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(io.Out, "revoked %s %s; its sessions are ended\n", opts.Kind, opts.ID)
	return err
}
