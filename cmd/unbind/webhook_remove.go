package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/internal/cli"
)

func newWebhookRemoveCmd(io streams, runF webhookRunF) *cobra.Command {
	opts := &webhookOptions{}
	return webhookCmd(&cobra.Command{
		Use:   "remove ID",
		Short: "Stop a webhook; its pending deliveries end canceled (admin)",
		Args:  cobra.ExactArgs(1),
	}, io, opts, func(a []string) { opts.ID = a[0] }, webhookRemoveRun, runF)
}

func webhookRemoveRun(ctx context.Context, io streams, opts *webhookOptions) error {
	if err := newAPIClient(opts.API).RemoveWebhook(ctx, opts.ID); err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, map[string]string{"removed": opts.ID})
	}
	cli.Printf(io.Out, "removed %s\n", opts.ID)
	return nil
}

func newWebhookTestCmd(io streams, runF webhookRunF) *cobra.Command {
	opts := &webhookOptions{}
	return webhookCmd(&cobra.Command{
		Use:   "test ID",
		Short: "Send a webhook.test event to one webhook (admin)",
		Long: `test queues a signed webhook.test event for one webhook; see its delivery with
'unbind webhook deliveries --webhook ID'.`,
		Args: cobra.ExactArgs(1),
	}, io, opts, func(a []string) { opts.ID = a[0] }, webhookTestRun, runF)
}

func webhookTestRun(ctx context.Context, io streams, opts *webhookOptions) error {
	t, err := newAPIClient(opts.API).TestWebhook(ctx, opts.ID)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, t)
	}
	cli.Printf(io.Out, "queued event %s for webhook %s\n", t.EventID, opts.ID)
	return nil
}
