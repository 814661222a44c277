package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/label"
)

type labelOptions struct {
	API string
	// DeviceID or Lot: whose labels.
	DeviceID, Lot string
	Stock         string
	Format        string
	// Out is the file to write; "-" is standard output.
	Out string
	// Now is the date of labels of phones without a finished release.
	Now func() time.Time
}

func newLabelCmd(io streams, runF func(context.Context, streams, *labelOptions) error) *cobra.Command {
	opts := &labelOptions{Now: time.Now}
	stocks := make([]string, 0, len(label.Stocks))
	for name := range label.Stocks {
		stocks = append(stocks, name)
	}
	slices.Sort(stocks)
	cmd := &cobra.Command{
		Use:   "label DEVICE | --lot ID",
		Short: "Write phone labels: PDF for label stock, or ZPL for Zebra printers",
		Long: `label writes one label per phone: maker and model, serial, the last digits of
the IMEI, the release outcome (or, before a release finished, the verdict),
the lot, the date, and a QR code of the certificate's ID (of the device ID
while there is no certificate), which the console's scan-to-find opens.

--lot writes every phone of a lot, in the order they joined, into one file.
--stock is 62mm (continuous tape, cut at 80 mm) or 4x6 (inches).`,
		Example: "  unbind label R58N12ABCDE\n  unbind label --lot L-2026-0042 --stock 4x6 --format zpl --out lot.zpl",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.DeviceID = args[0]
			}
			if (opts.DeviceID == "") == (opts.Lot == "") {
				return fmt.Errorf("%w: name one DEVICE or --lot ID", errUsage)
			}
			if _, ok := label.Stocks[opts.Stock]; !ok {
				return fmt.Errorf("%w: --stock %q: want %s", errUsage, opts.Stock, strings.Join(stocks, " or "))
			}
			if opts.Format != "pdf" && opts.Format != "zpl" {
				return fmt.Errorf("%w: --format %q: want pdf or zpl", errUsage, opts.Format)
			}
			if runF != nil {
				return runF(c.Context(), io, opts)
			}
			return labelRun(c.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	cmd.Flags().StringVar(&opts.Lot, "lot", "", "every phone of this lot")
	cmd.Flags().StringVar(&opts.Stock, "stock", label.Stock62mm.Name, "label stock: "+strings.Join(stocks, " or "))
	cmd.Flags().StringVar(&opts.Format, "format", "pdf", "pdf or zpl")
	cmd.Flags().StringVar(&opts.Out, "out", "", "file to write, - for standard output (default: labels-DEVICE.pdf or labels-lot-ID.pdf)")
	return cmd
}

func labelRun(ctx context.Context, io streams, opts *labelOptions) error {
	client := newAPIClient(opts.API)
	var phones []api.LotDevice
	name := "labels-" + opts.DeviceID
	if opts.Lot != "" {
		d, err := client.Lot(ctx, opts.Lot)
		if err != nil {
			return err
		}
		if len(d.Devices) == 0 {
			return fmt.Errorf("lot %s has no phones to label", opts.Lot)
		}
		phones, name = d.Devices, "labels-lot-"+opts.Lot
	} else {
		p, err := client.DeviceLabel(ctx, opts.DeviceID)
		if err != nil {
			return err
		}
		phones = []api.LotDevice{p}
	}
	labels := make([]label.Label, 0, len(phones))
	for _, p := range phones {
		labels = append(labels, labelOf(p, opts.Now()))
	}
	var buf bytes.Buffer
	stock := label.Stocks[opts.Stock]
	write := label.WritePDF
	if opts.Format == "zpl" {
		write = label.WriteZPL
	}
	if err := write(&buf, stock, labels); err != nil {
		return err
	}
	return writeOutput(io, opts.Out, safeFileName(name)+"."+opts.Format, buf.Bytes(), fmt.Sprintf("%d labels", len(labels)))
}

// labelOf is what a phone's label shows.
func labelOf(p api.LotDevice, now time.Time) label.Label {
	return label.Label{DeviceID: p.DeviceID, Maker: cmp.Or(p.Manufacturer, p.Brand), Model: p.Model, Serial: p.Serial, IMEI: p.IMEI,
		Outcome: label.Outcome(p.ReleaseOutcome, p.Verdict), Lot: p.Lot, Date: label.Date(p.ReleaseFinishedAt, now),
		CertificateID: p.CertificateID}
}
