package main

import (
	"context"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flagCase is one row of a command's flag table: the command, its
// arguments, and the options it must hand to its run function (or an error).
type flagCase[O any] struct {
	name    string
	newCmd  func(streams, func(context.Context, streams, *O) error) *cobra.Command
	args    []string
	want    O
	wantErr bool
}

// runFlagCases parses each case's arguments with its command, capturing the
// options instead of running, and compares them with the case's.
func runFlagCases[O any](t *testing.T, cases []flagCase[O]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			noLocalController(t)
			io, _, _ := testStreams()
			var got *O
			cmd := tc.newCmd(io, func(_ context.Context, _ streams, o *O) error {
				got = o
				return nil
			})
			err := executeQuiet(cmd, tc.args...)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, *got)
		})
	}
}
