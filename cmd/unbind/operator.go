package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type operatorOptions struct {
	API    string
	Output string
	Name   string
	Role   string
	Note   string
}

func newOperatorCmd(io streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Manage the operator accounts that may call the API (admin)",
		Long: `Operator accounts call the controller's API with a token, in one of three roles:

  viewer    read the registry, the audit trail and certificates
  operator  also enroll phones, start and cancel releases and commands, issue certificates
  admin     also manage operators, monitor logins and credentials

The token is shown once by 'operator add'; only its hash is kept. On another
machine, store it with 'unbind login --api URL'.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newOperatorAddCmd(io, nil), newOperatorListCmd(io, nil), newOperatorRevokeCmd(io, nil))
	return cmd
}

func newOperatorAddCmd(io streams, runF func(context.Context, *operatorOptions) error) *cobra.Command {
	opts := &operatorOptions{}
	cmd := &cobra.Command{
		Use:     "add NAME --role viewer|operator|admin",
		Short:   "Create an operator account and print its API token, once",
		Example: "  unbind operator add alice --role operator\n  unbind operator add wall-screen --role viewer -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if opts.Role == "" {
				return fmt.Errorf("%w: --role is required: viewer, operator or admin", errUsage)
			}
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return operatorAddRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	cmd.Flags().StringVar(&opts.Role, "role", "", "viewer, operator or admin")
	cmd.Flags().StringVar(&opts.Note, "note", "", "a note for the audit trail")
	return cmd
}

func operatorAddRun(ctx context.Context, io streams, opts *operatorOptions) error {
	tok, err := newAPIClient(opts.API).AddOperator(ctx, api.OperatorRequest{Name: opts.Name, Role: opts.Role, Note: opts.Note})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, tok)
	}
	fmt.Fprintln(io.Out, tok.Token)
	cli.Printf(io.Err, "\nThe API token of %s (%s), shown this once. On the operator's machine:\n  unbind login --api %s\nand paste it when asked (or pipe it in); or set %s.\n",
		tok.Name, tok.Role, opts.API, cli.TokenEnv)
	return nil
}

func newOperatorListCmd(io streams, runF func(context.Context, *operatorOptions) error) *cobra.Command {
	opts := &operatorOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the operator accounts, revoked ones included",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return operatorListRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

func operatorListRun(ctx context.Context, io streams, opts *operatorOptions) error {
	ops, err := newAPIClient(opts.API).Operators(ctx)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.OperatorsBody{Operators: ops})
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED (UTC)\tBY\tREVOKED (UTC)")
	for _, o := range ops {
		revoked := "-"
		if !o.RevokedAt.IsZero() {
			revoked = o.RevokedAt.UTC().Format(time.RFC3339)
		}
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Name, o.Role, o.CreatedAt.UTC().Format(time.RFC3339), o.CreatedBy, revoked)
	}
	return tw.Flush()
}

func newOperatorRevokeCmd(io streams, runF func(context.Context, *operatorOptions) error) *cobra.Command {
	opts := &operatorOptions{}
	cmd := &cobra.Command{
		Use:     "revoke NAME",
		Short:   "Revoke an operator account: its token stops working at once",
		Example: "  unbind operator revoke alice --note 'left the company'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return operatorRevokeRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	cmd.Flags().StringVar(&opts.Note, "note", "", "a note for the audit trail")
	return cmd
}

func operatorRevokeRun(ctx context.Context, io streams, opts *operatorOptions) error {
	if err := newAPIClient(opts.API).RevokeOperator(ctx, opts.Name, opts.Note); err != nil {
		return err
	}
	cli.Printf(io.Out, "revoked %s\n", opts.Name)
	return nil
}
