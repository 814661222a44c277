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

func newWebhookDeliveriesCmd(io streams, runF webhookRunF) *cobra.Command {
	opts := &webhookOptions{}
	cmd := webhookCmd(&cobra.Command{
		Use:     "deliveries [--webhook ID] [--state pending|delivered|failed|canceled]",
		Short:   "List webhook deliveries and their state, newest last",
		Example: "  unbind webhook deliveries --state failed\n  unbind webhook deliveries --webhook 3f2a9c1e0b7d4a55 -o json",
		Args:    cobra.NoArgs,
	}, io, opts, nil, webhookDeliveriesRun, runF)
	cmd.Flags().StringVar(&opts.WebhookID, "webhook", "", "only this webhook's deliveries")
	cmd.Flags().StringVar(&opts.State, "state", "", "only deliveries in this state: pending, delivered, failed or canceled")
	cmd.Flags().IntVar(&opts.Limit, "limit", 100, "show the newest N deliveries; 0 shows all")
	return cmd
}

func webhookDeliveriesRun(ctx context.Context, io streams, opts *webhookOptions) error {
	ds, err := newAPIClient(opts.API).WebhookDeliveries(ctx, api.DeliveryFilter{WebhookID: opts.WebhookID, State: opts.State, Limit: opts.Limit})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.WebhookDeliveriesBody{Deliveries: ds})
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWEBHOOK\tEVENT\tTYPE\tSTATE\tATTEMPTS\tLAST\tSTATUS\tNEXT (UTC)")
	for _, d := range ds {
		status := "-"
		switch {
		case d.LastError != "":
			status = d.LastError
		case d.LastStatus != 0:
			status = fmt.Sprint(d.LastStatus)
		}
		cli.Printf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.WebhookID, d.EventID, d.EventType, d.State,
			d.Attempts, utcOrDash(d.LastAt), status, utcOrDash(d.NextAt))
	}
	return tw.Flush()
}

func utcOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
