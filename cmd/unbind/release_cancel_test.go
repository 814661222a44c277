package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReleaseCancelUsage(t *testing.T) {
	for _, args := range [][]string{
		{"release", "cancel"},
		{"release", "cancel", "--all", "R58M"},
		{"release", "cancel", "R58M", "-o", "yaml"},
	} {
		var out, errb bytes.Buffer
		assert.Equal(t, exitUsage, run(args, &out, &errb), "%v: %s", args, errb.String())
	}
}

func TestReleaseCancelRuns(t *testing.T) {
	c := startAuthed(t)
	var out, errb bytes.Buffer
	code := run([]string{"release", "cancel", "--all", "--api", c.APIURL()}, &out, &errb)
	assert.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "no unfinished release to cancel")
}
