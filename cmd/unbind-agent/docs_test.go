package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/internal/cli/clitest"
)

// TestDocCommandsExist: every `unbind-agent ...` line in the sh blocks of
// the README and docs/*.md names commands and flags that exist (simulate
// only with -tags sim).
func TestDocCommandsExist(t *testing.T) {
	lines, err := clitest.DocLines("../..", "unbind-agent")
	require.NoError(t, err)
	require.Greater(t, len(lines), 15, "the documents show many command lines; the extraction lost them")
	root := newRootCmd(cli.Streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	for _, l := range lines {
		assert.NoError(t, clitest.Check(root, l.Args, "simulate"), "%s: unbind-agent %s", l.File, strings.Join(l.Args, " "))
	}
}
