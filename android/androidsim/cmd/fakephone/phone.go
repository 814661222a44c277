package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/unbind/unbind/android/androidsim"
)

// localPhone is the phone the phone commands belong to.
func (f *fake) localPhone() (entry, error) {
	if name := f.env(envProfile); name != "" {
		mk, ok := profiles[name]
		if !ok {
			return entry{}, fmt.Errorf("%s: unknown profile %q", envProfile, name)
		}
		return entry{Serial: mk().Identity.Serial, State: "device", Profile: name}, nil
	}
	serial := f.env(envSerial)
	if serial == "" {
		return entry{}, fmt.Errorf("set %s or %s", envProfile, envSerial)
	}
	es, err := f.scenario()
	if err != nil {
		return entry{}, err
	}
	e, ok := find(es, serial)
	if !ok || e.Profile == "" {
		return entry{}, fmt.Errorf("%s: no phone %q with a profile in the scenario", envSerial, serial)
	}
	return e, nil
}

// phoneCommand runs one program on the local phone.
func (f *fake) phoneCommand(ctx context.Context, name string, args []string) int {
	e, err := f.localPhone()
	if err != nil {
		fmt.Fprintln(f.stderr, "fakephone:", err)
		return exitUsage
	}
	return f.onPhone(ctx, e, append([]string{name}, args...))
}

// onPhone runs argv on e's simulated phone and copies its answer out.
func (f *fake) onPhone(ctx context.Context, e entry, argv []string) int {
	opts, err := e.options()
	if err != nil {
		fmt.Fprintln(f.stderr, "fakephone:", err)
		return exitUsage
	}
	res, err := androidsim.New(opts).Run(ctx, argv...)
	switch {
	case errors.Is(err, context.Canceled):
		// A hanging provider ends when the caller kills us; a polite
		// signal ends it the way a shell reports one.
		return 128 + 15
	case err != nil:
		fmt.Fprintln(f.stderr, "fakephone:", err)
		return 1
	}
	f.stdout.Write(res.Stdout)
	f.stderr.Write(res.Stderr)
	return res.ExitCode
}
