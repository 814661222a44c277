package android

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

const (
	// maxOutput bounds what is kept of one stream. The largest real answer,
	// the full account dump, is far smaller; the rest is read and dropped so
	// a runaway command cannot fill memory.
	maxOutput = 16 << 20
	// waitDelay bounds how long a finished or killed command may keep its
	// output pipes open through children that outlived it.
	waitDelay = 2 * time.Second
)

// runProcess runs argv on this machine in its own process group, and kills
// the whole group when ctx is done or timeout (if positive) passes, so a hung
// adb or shell leaves no child behind. A program that ran and failed is a
// Result with its exit code; an error means it could not be started or did
// not finish (then the error wraps the context's error).
func runProcess(ctx context.Context, timeout time.Duration, argv []string) (Result, error) {
	if len(argv) == 0 || argv[0] == "" {
		return Result{}, errors.New("run: empty command")
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr cappedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = waitDelay
	killGroupOnCancel(cmd)

	err := cmd.Run()
	res := Result{Stdout: stdout.buf.Bytes(), Stderr: stderr.buf.Bytes()}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return res, fmt.Errorf("run %s: %w", argv[0], ctxErr)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	case errors.Is(err, exec.ErrWaitDelay):
		// The program exited cleanly; a child of it held the pipes open.
		res.ExitCode = cmd.ProcessState.ExitCode()
	default:
		return res, fmt.Errorf("run %s: %w", argv[0], err)
	}
	return res, nil
}

// cappedBuffer keeps the first maxOutput bytes written to it.
type cappedBuffer struct {
	buf bytes.Buffer
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
