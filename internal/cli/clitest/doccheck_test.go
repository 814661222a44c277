package clitest

import (
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
)

func TestCheck(t *testing.T) {
	root := &cobra.Command{Use: "prog"}
	list := &cobra.Command{Use: "list", Run: func(*cobra.Command, []string) {}}
	list.Flags().StringP("output", "o", "table", "")
	list.Flags().Bool("all", false, "")
	group := &cobra.Command{Use: "key"}
	group.AddCommand(&cobra.Command{Use: "show", Run: func(*cobra.Command, []string) {}})
	root.AddCommand(list, group)

	doc := []byte("text\n```sh\nprog list --all -o json | jq .   # all\ngo run ./cmd/prog key show ID\nprog lst\nadb push prog /data\n```\n```\nprog nope\n```\n")
	lines := CommandLines(doc, "prog")
	assert.Equal(t, [][]string{{"list", "--all", "-o", "json"}, {"key", "show", "ID"}, {"lst"}}, lines)

	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"list", "--all", "-o", "json"}, ""},
		{[]string{"list", "--output=json", "x"}, ""},
		{[]string{"key", "show"}, ""},
		{[]string{"demo", "--x"}, ""},
		{[]string{"lst"}, `no subcommand "lst"`},
		{[]string{"key", "shw"}, `no subcommand "shw"`},
		{[]string{"list", "--every"}, "no flag --every"},
		{[]string{"list", "-x"}, "no flag -x"},
	}
	for _, tc := range tests {
		err := Check(root, tc.args, "demo")
		if tc.wantErr == "" {
			assert.NoError(t, err, "%v", tc.args)
		} else {
			assert.ErrorContains(t, err, tc.wantErr, "%v", tc.args)
		}
	}

	// A root that runs (to print its version) still takes no arguments:
	// cobra says "unknown command", and so must the check.
	root.RunE = func(*cobra.Command, []string) error { return nil }
	assert.ErrorContains(t, Check(root, []string{"lst"}), `no subcommand "lst"`)
	assert.NoError(t, Check(root, []string{"list", "x"}), "a subcommand's argument")
}
