package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
)

type webhookOptions struct {
	API    string
	Output string
	// URL (add) or ID (remove, test).
	URL, ID string
	Events  []string
	// Deliveries' filters.
	WebhookID, State string
	Limit            int
}

func newWebhookCmd(io streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Send signed events to other systems over HTTP(S)",
		Long: `A webhook receives a JSON POST for each event it subscribes to:

  ` + strings.Join(registry.WebhookEventTypes, "\n  ") + `

Each delivery carries Unbind-Event-Id and Unbind-Signature (t=UNIX,v1=HEX,
HEX the HMAC-SHA256 of "t.body" keyed with the webhook's secret). A 2xx answer
acknowledges it; anything else is retried with exponential backoff and jitter
for up to 24 hours. The secret is printed once by 'webhook add' and kept by
the controller, which needs it to sign.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newWebhookAddCmd(io, nil), newWebhookListCmd(io, nil), newWebhookRemoveCmd(io, nil),
		newWebhookTestCmd(io, nil), newWebhookDeliveriesCmd(io, nil))
	return cmd
}

// webhookCmd fills in what every webhook subcommand shares: --api, -o and
// the call of run (or of runF in flag tests).
func webhookCmd(cmd *cobra.Command, io streams, opts *webhookOptions, args func([]string),
	run, runF func(context.Context, streams, *webhookOptions) error) *cobra.Command {
	cmd.RunE = func(c *cobra.Command, a []string) error {
		if err := checkOutput(opts.Output); err != nil {
			return err
		}
		if args != nil {
			args(a)
		}
		if runF != nil {
			return runF(c.Context(), io, opts)
		}
		return run(c.Context(), io, opts)
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

type webhookRunF = func(context.Context, streams, *webhookOptions) error

func newWebhookAddCmd(io streams, runF webhookRunF) *cobra.Command {
	opts := &webhookOptions{}
	cmd := webhookCmd(&cobra.Command{
		Use:     "add URL --events TYPE[,TYPE...]",
		Short:   "Subscribe a URL to events and print its signing secret, once (admin)",
		Example: "  unbind webhook add https://inventory.example/unbind --events release.released,release.failed,device.at_risk",
		Args:    cobra.ExactArgs(1),
	}, io, opts, func(a []string) { opts.URL = a[0] }, webhookAddRun, runF)
	cmd.Flags().StringSliceVar(&opts.Events, "events", nil, "event types, comma-separated: "+strings.Join(registry.WebhookEventTypes, ","))
	_ = cmd.MarkFlagRequired("events")
	return cmd
}

func webhookAddRun(ctx context.Context, io streams, opts *webhookOptions) error {
	wh, err := newAPIClient(opts.API).AddWebhook(ctx, api.WebhookRequest{URL: opts.URL, Events: opts.Events})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, wh)
	}
	cli.Printf(io.Out, "%s\n", wh.Secret)
	cli.Printf(io.Err, "\nWebhook %s sends %s to %s.\nIts signing secret, shown this once, is above: give it to the receiver.\n",
		wh.ID, strings.Join(wh.Events, ","), wh.URL)
	return nil
}

func newWebhookListCmd(io streams, runF webhookRunF) *cobra.Command {
	return webhookCmd(&cobra.Command{
		Use:   "list",
		Short: "List the webhooks, removed ones included",
		Args:  cobra.NoArgs,
	}, io, &webhookOptions{}, nil, webhookListRun, runF)
}

func webhookListRun(ctx context.Context, io streams, opts *webhookOptions) error {
	whs, err := newAPIClient(opts.API).Webhooks(ctx)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.WebhooksBody{Webhooks: whs})
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tEVENTS\tCREATED (UTC)\tBY\tREMOVED (UTC)")
	for _, w := range whs {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", w.ID, w.URL, strings.Join(w.Events, ","),
			utcOrDash(w.CreatedAt), w.CreatedBy, utcOrDash(w.RemovedAt))
	}
	return tw.Flush()
}
