package android

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"time"
)

// LocalShell runs commands directly on the phone, for an agent that runs
// there as the shell user. argv is executed as is, never through a shell, so
// no argument can be misread as shell syntax.
type LocalShell struct {
	// Timeout bounds each command on top of the caller's context; zero means
	// the context alone (Device always sets a deadline).
	Timeout time.Duration
}

// Run runs argv. Like the phone's own shell it answers exit 127 for a program
// that does not exist and 126 for one it may not execute, so callers see the
// same Result over adb and locally.
func (s LocalShell) Run(ctx context.Context, argv ...string) (Result, error) {
	res, err := runProcess(ctx, s.Timeout, argv)
	switch {
	case err == nil:
		return res, nil
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return Result{Stderr: []byte(argv[0] + ": inaccessible or not found\n"), ExitCode: 127}, nil
	case errors.Is(err, fs.ErrPermission):
		return Result{Stderr: []byte(argv[0] + ": permission denied\n"), ExitCode: 126}, nil
	}
	return res, err
}
