package e2e

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/unbind/unbind/internal/pgtest"
)

// timing holds every real-time wait the end-to-end tests build into their
// scenarios, in one place: how long simulated people take and how soon
// hopeless releases give up. The values are the smallest that keep each
// scenario meaningful (a kill must land while people are still at their
// phones); scale them here rather than in the tests.
var timing = struct {
	// LatePerson and AwayPerson act this long after being guided (release).
	LatePerson, AwayPerson time.Duration
	// QuickPerson is everyone else in the release test.
	QuickPerson time.Duration
	// HopelessTimeout ends the releases of phones that can only fail. It is
	// reached on the controller's clock (controllertest.Clock.Advance) once
	// every other release of the test has ended, never waited out.
	HopelessTimeout time.Duration
	// RestartPerson acts this long after being guided, so that the
	// controller is killed while people are at their phones.
	RestartPerson time.Duration
	// RestartHopelessSeconds is the timeout of the unwilling phone's release
	// in the restart test (the API takes whole seconds).
	RestartHopelessSeconds int
}{
	LatePerson:             3 * time.Second,
	AwayPerson:             2 * time.Second,
	QuickPerson:            100 * time.Millisecond,
	HopelessTimeout:        30 * time.Minute,
	RestartPerson:          3 * time.Second,
	RestartHopelessSeconds: 10,
}

// e2eParallel is how many of the package's tests run at once unless
// -test.parallel says otherwise: they spend their time waiting on simulated
// people, agents and deadlines, not on the CPU, so more than GOMAXPROCS (the
// default, 2 on the development machine) of them fit.
const e2eParallel = 6

// TestMain runs the tests e2eParallel at a time and removes what they leave
// outside t.TempDir (the unbind binary built once for all of them, the
// PostgreSQL server of the tests on it).
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", strconv.Itoa(e2eParallel)); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: set -test.parallel:", err)
			os.Exit(2)
		}
	}
	code := pgtest.Run(m) // stops the PostgreSQL server, if a test started one
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}
