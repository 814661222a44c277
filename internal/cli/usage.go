package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Execute runs root and marks as usage errors (ErrUsage) all errors cobra
// returns before a command starts: an unknown command, a wrong number of
// arguments, a bad, missing or conflicting flag. Without this, some of those
// errors would exit like a failure of the command itself.
//
// A command "starts" when root's persistent pre-run hook runs, which cobra
// does after parsing flags and checking arguments; the hook checks required
// and mutually exclusive flags itself, since cobra checks them only after it.
// No command of ours sets its own persistent hook (that would hide root's).
func Execute(ctx context.Context, root *cobra.Command) error {
	started := false
	prev := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := cmd.ValidateRequiredFlags(); err != nil {
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
		if err := cmd.ValidateFlagGroups(); err != nil {
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
		started = true
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
	err := root.ExecuteContext(ctx)
	if err != nil && !started && !errors.Is(err, ErrUsage) {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return err
}
