package cli

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
)

func TestExecuteMarksUsageErrors(t *testing.T) {
	errRun := errors.New("the command failed")
	newRoot := func() *cobra.Command {
		root := &cobra.Command{Use: "prog", SilenceErrors: true, SilenceUsage: true}
		leaf := &cobra.Command{Use: "leaf", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { return errRun }}
		leaf.Flags().Bool("a", false, "")
		leaf.Flags().Bool("b", false, "")
		leaf.Flags().String("need", "", "")
		leaf.MarkFlagsMutuallyExclusive("a", "b")
		group := &cobra.Command{Use: "group"}
		group.AddCommand(&cobra.Command{Use: "ok", RunE: func(*cobra.Command, []string) error { return nil }})
		root.AddCommand(leaf, group)
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		return root
	}
	tests := []struct {
		name      string
		args      []string
		wantUsage bool
		wantErr   bool
	}{
		{"runs", []string{"group", "ok"}, false, false},
		{"command's own failure", []string{"leaf"}, false, true},
		{"unknown command", []string{"nope"}, true, true},
		{"stray argument", []string{"leaf", "x"}, true, true},
		{"unknown flag", []string{"leaf", "--c"}, true, true},
		{"exclusive flags", []string{"leaf", "--a", "--b"}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := newRoot()
			root.SetArgs(tc.args)
			err := Execute(context.Background(), root)
			assert.Equal(t, tc.wantErr, err != nil, "%v", err)
			assert.Equal(t, tc.wantUsage, errors.Is(err, ErrUsage), "%v", err)
		})
	}
}
