package main

import (
	"context"
	"fmt"
	"github.com/unbind/unbind/protocol"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/controller/cert"
)

type keyOptions struct {
	API string
}

func newKeyCmd(io streams, runF func(context.Context, *keyOptions) error) *cobra.Command {
	opts := &keyOptions{}
	cmd := &cobra.Command{
		Use:     "key",
		Short:   "Print the controller's public key (PEM), for verifying certificates",
		Example: "  unbind key > controller.pub",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return keyRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	return cmd
}

func keyRun(ctx context.Context, io streams, opts *keyOptions) error {
	b, err := newAPIClient(opts.API).PublicKey(ctx)
	if err != nil {
		return err
	}
	pub, err := protocol.ParsePublicKey(b)
	if err != nil {
		return fmt.Errorf("the controller's key: %w", err)
	}
	fmt.Fprintf(io.Err, "controller key %s\n", cert.Fingerprint(pub))
	_, err = io.Out.Write(protocol.EncodePublicKey(pub))
	return err
}
