package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Streams are where a program writes: Out for its answers, Err for
// diagnostics and progress.
type Streams struct {
	Out, Err io.Writer
}

// ErrIsTerminal says whether Err is a terminal, where redrawn progress
// lines belong; a pipe or a file gets none.
func (s Streams) ErrIsTerminal() bool { return IsTerminal(s.Err) }

// OutIsTerminal says whether Out is a terminal.
func (s Streams) OutIsTerminal() bool { return IsTerminal(s.Out) }

// IsTerminal says whether w is a terminal; anything that is not an
// *os.File is not, and neither is a character device such as /dev/null
// (golang.org/x/term asks the terminal driver).
func IsTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ExitError makes a program exit with Code without printing anything more.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// ExitCodes are a program's exit statuses for failures. What each means
// stays with the program; how an error maps to one is shared.
type ExitCodes struct {
	// Error is for any other failure.
	Error int
	// Usage is for errors wrapping ErrUsage or one of UsageErrors.
	Usage       int
	UsageErrors []error
	// Interrupt, when not 0, is for a failure after ctx ended (Ctrl-C).
	Interrupt int
}

// Exit is the exit status for err, the error a program's command returned
// (0 for nil); it prints err as "prog: err" on Err unless err is an
// ExitError.
func (s Streams) Exit(ctx context.Context, prog string, err error, codes ExitCodes) int {
	var exit ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.Code
	case isUsage(err, codes.UsageErrors):
		fmt.Fprintf(s.Err, "%s: %v\n", prog, err)
		return codes.Usage
	case codes.Interrupt != 0 && ctx.Err() != nil:
		fmt.Fprintf(s.Err, "%s: interrupted\n", prog)
		return codes.Interrupt
	}
	fmt.Fprintf(s.Err, "%s: %v\n", prog, err)
	return codes.Error
}

func isUsage(err error, more []error) bool {
	if errors.Is(err, ErrUsage) {
		return true
	}
	for _, u := range more {
		if errors.Is(err, u) {
			return true
		}
	}
	return false
}
