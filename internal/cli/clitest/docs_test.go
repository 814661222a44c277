package clitest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocLinesReadsDocs: a command made up in a docs/*.md file is found and
// refused like one in the README.
func TestDocLinesReadsDocs(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "docs"), 0o755))
	write := func(name, text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("README.md", "```sh\nprog list\n```\n")
	write("docs/b.md", "```sh\nprog frobnicate --now\n```\n")
	write("docs/a.md", "```sh\nprog list --all\n```\n")
	write("docs/notes.txt", "```sh\nprog ignored\n```\n")

	lines, err := DocLines(dir, "prog")
	require.NoError(t, err)
	assert.Equal(t, []DocLine{
		{File: "README.md", Args: []string{"list"}},
		{File: filepath.Join("docs", "a.md"), Args: []string{"list", "--all"}},
		{File: filepath.Join("docs", "b.md"), Args: []string{"frobnicate", "--now"}},
	}, lines)

	root := &cobra.Command{Use: "prog"}
	list := &cobra.Command{Use: "list", Run: func(*cobra.Command, []string) {}}
	list.Flags().Bool("all", false, "")
	root.AddCommand(list)
	assert.NoError(t, Check(root, lines[1].Args))
	assert.ErrorContains(t, Check(root, lines[2].Args), `no subcommand "frobnicate"`)
}

func TestDocLinesWithoutReadme(t *testing.T) {
	_, err := DocLines(t.TempDir(), "prog")
	assert.ErrorContains(t, err, "README.md")
}
