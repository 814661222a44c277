package androidsim_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/unbind/unbind/android/androidsim"
)

// fuzzPhone is a phone where every command can do something: rooted, with
// accounts, a person who acts at once, and no provider that hangs.
func fuzzPhone() *androidsim.Phone {
	o := androidsim.Rooted()
	o.Faults.FindDevice = androidsim.ProviderOpen
	o.Person = androidsim.Person{Behaviour: androidsim.Complies}
	o.MaxCalls = 4
	return androidsim.New(o)
}

func checkRun(t *testing.T, argv []string) {
	res, err := fuzzPhone().Run(context.Background(), argv...)
	if err != nil {
		if len(argv) == 0 && errors.Is(err, androidsim.ErrEmptyCommand) {
			return
		}
		t.Fatalf("Run(%q): %v", argv, err)
	}
	if res.ExitCode < 0 || res.ExitCode > 255 {
		t.Fatalf("Run(%q): exit code %d", argv, res.ExitCode)
	}
}

// FuzzRun feeds arbitrary argv (NUL-separated) to a phone: it never panics
// and never fails but for an empty argv.
func FuzzRun(f *testing.F) {
	for _, tc := range goldenCases {
		f.Add(strings.Join(tc.argv, "\x00"))
	}
	f.Add("su\x00-c")
	f.Add("am\x00start\x00-a")
	f.Add("am\x00start\x00--es\x00k")
	f.Add("content\x00query\x00--uri")
	f.Add("sh\x00-c\x00sh -c 'sh -c \"sh -c su\"'")
	f.Fuzz(func(t *testing.T, joined string) {
		var argv []string
		if joined != "" {
			argv = strings.Split(joined, "\x00")
		}
		checkRun(t, argv)
	})
}

// FuzzShellLine feeds arbitrary command lines to sh -c and su -c, whose
// word splitting is the simulated phone's only parser of free text.
func FuzzShellLine(f *testing.F) {
	for _, tc := range goldenCases {
		f.Add(shellQuote(tc.argv))
	}
	f.Add(`a "b\"c" 'd'\''e' f\ g 2>&1 "`)
	f.Add(`\`)
	f.Add(`su -c "su -c 'su -c id'"`)
	f.Fuzz(func(t *testing.T, line string) {
		checkRun(t, []string{"sh", "-c", line})
		checkRun(t, []string{"su", "-c", line})
	})
}
