package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary be a controller child, as the real binary
// is: a test that reached StartTopology would run this binary (its
// os.Executable) with childArg, and without this it would run every test
// again in the child, and so on.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == childArg {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
