//go:build !unix

package android

import "os/exec"

// killGroupOnCancel keeps exec's default of killing the process alone where
// process groups are not available.
func killGroupOnCancel(*exec.Cmd) {}
