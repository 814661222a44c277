package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

type backupOptions struct {
	API  string
	File string
}

func newBackupCmd(io streams, runF func(context.Context, *backupOptions) error) *cobra.Command {
	opts := &backupOptions{}
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Copy the running controller's registry to FILE, consistently",
		Long: `backup asks the running controller for a consistent copy of its registry
(SQLite's VACUUM INTO, taken while the controller keeps serving) and writes
it to FILE, owner-only. FILE must not exist.

To restore: stop the controller, move the damaged registry and its -wal and
-shm files aside, copy FILE to the registry's path, and start it again.`,
		Example: "  unbind backup ~/unbind-$(date +%F).db",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return backupRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	return cmd
}

func backupRun(ctx context.Context, io streams, opts *backupOptions) (err error) {
	f, err := os.OpenFile(opts.File, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("backup to %s: %w", opts.File, cerr)
		}
		if err != nil {
			_ = os.Remove(opts.File) // never leave half a copy behind
		}
	}()
	if err := newAPIClient(opts.API).Backup(ctx, f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup to %s: %w", opts.File, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup to %s: %w", opts.File, err)
	}
	_, err = fmt.Fprintf(io.Out, "registry copied to %s (%d bytes)\n", opts.File, fi.Size())
	return err
}
