package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
)

type resolveOptions struct {
	API  string
	ID   string
	Note string
}

// newResolveCmd is `unbind device resolve ID`.
func newResolveCmd(io streams, runF func(context.Context, *resolveOptions) error) *cobra.Command {
	opts := &resolveOptions{}
	cmd := &cobra.Command{
		Use:   "resolve ID",
		Short: "Name a phone the genuine one of its identity conflict; the others are disowned",
		Long: `resolve settles an identity conflict: two enrolled device IDs reported the same
serial or IMEI, so neither could be released nor certified. ID is the phone
you checked by hand to be the real one (its serial and IMEI on the label or in
Settings match). Every other device of its conflicts is disowned: its MQTT
credentials are revoked, its sessions ended, and it is never reset or
certified. Both sides are audited with your name and --note.`,
		Example: "  unbind device resolve 41100faa --note \"label checked at bench 3\"",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return resolveRun(cmd.Context(), io, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Note, "note", "", "a note for the audit trail (who resolves is the API token's operator)")
	addAPIFlag(cmd, &opts.API)
	return cmd
}

func resolveRun(ctx context.Context, io streams, opts *resolveOptions) error {
	r, err := newAPIClient(opts.API).ResolveIdentity(ctx, opts.ID, api.ResolveIdentityRequest{Note: opts.Note})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(io.Out, "%s is the genuine phone; disowned (credentials revoked): %s\n", r.Genuine, strings.Join(r.Disowned, ", "))
	return err
}
