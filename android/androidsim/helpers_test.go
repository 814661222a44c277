package androidsim_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// run runs argv and fails the test on a transport error.
func run(t *testing.T, p *androidsim.Phone, argv ...string) android.Result {
	t.Helper()
	res, err := p.Run(context.Background(), argv...)
	require.NoError(t, err, "run %q", argv)
	return res
}

// transcript renders a command and its result the way the golden files
// store them.
func transcript(argv []string, res android.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ %s\nexit %d\n--- stdout\n", shellQuote(argv), res.ExitCode)
	writeStream(&b, res.Stdout)
	b.WriteString("--- stderr\n")
	writeStream(&b, res.Stderr)
	return b.String()
}

// writeStream writes output, marking output cut before its final newline.
func writeStream(b *strings.Builder, out []byte) {
	b.Write(out)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		b.WriteString("\n\\ no newline at end of output\n")
	}
}

func shellQuote(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$;&|<>(){}*?!#~`") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
