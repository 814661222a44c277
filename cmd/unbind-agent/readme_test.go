package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/internal/cli/clitest"
)

// TestREADMECommandsExist: every `unbind-agent ...` line in the README's sh
// blocks names commands and flags that exist (simulate only with -tags sim).
func TestREADMECommandsExist(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	lines := clitest.CommandLines(doc, "unbind-agent")
	require.Greater(t, len(lines), 15, "the README shows many command lines; the extraction lost them")
	root := newRootCmd(cli.Streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	for _, args := range lines {
		assert.NoError(t, clitest.Check(root, args, "simulate"), "unbind-agent %s", strings.Join(args, " "))
	}
}
