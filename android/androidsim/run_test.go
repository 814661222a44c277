package androidsim_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
)

// waitLong bounds waits for blocked calls; it is generous because nothing
// here measures speed, only that the call returns at all.
const waitLong = 30 * time.Second

func TestHangingProviderReturnsWhenCtxEnds(t *testing.T) {
	fd := []string{"content", "query", "--uri", fdURI + "isLastStatusOpen"}
	tests := []struct {
		name string
		argv []string
		stop func(context.CancelFunc)
		want error
	}{
		{name: "deadline", argv: fd, want: context.DeadlineExceeded},
		{name: "cancel", argv: fd, stop: func(cancel context.CancelFunc) { cancel() }, want: context.Canceled},
		{name: "through sh -c", argv: []string{"sh", "-c", "content query --uri " + fdURI + "isOpen"}, want: context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := androidsim.New(androidsim.HangingFindDevice())
			var (
				ctx    context.Context
				cancel context.CancelFunc
			)
			if tc.stop == nil {
				ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
			} else {
				ctx, cancel = context.WithCancel(context.Background())
			}
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := p.Run(ctx, tc.argv...)
				done <- err
			}()

			// The phone still answers other commands while one hangs.
			res := run(t, p, "getprop", "ro.product.model")
			assert.Equal(t, "23127PN0CG\n", string(res.Stdout))

			if tc.stop != nil {
				tc.stop(cancel)
			}
			select {
			case err := <-done:
				assert.ErrorIs(t, err, tc.want)
			case <-time.After(waitLong):
				t.Fatal("Run did not return after its context ended")
			}
		})
	}
}

func TestDoneContextRunsNothing(t *testing.T) {
	p := androidsim.New(androidsim.Rooted())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Run(ctx, "su", "-c", resetLine)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, p.WasReset())
	assert.Zero(t, p.CallCount())
}

func TestUnreachable(t *testing.T) {
	p := androidsim.New(androidsim.GoogleOnly())
	run(t, p, "id")
	f := p.Faults()
	f.Unreachable = true
	p.SetFaults(f)

	_, err := p.Run(context.Background(), "getprop")
	require.ErrorIs(t, err, android.ErrDeviceUnreachable)
	assert.Contains(t, err.Error(), "error: device '2B111FDH200A7Q' not found")

	custom := errors.New("adb: device offline")
	f.UnreachableErr = custom
	p.SetFaults(f)
	_, err = p.Run(context.Background(), "getprop")
	assert.ErrorIs(t, err, custom)
	assert.Equal(t, 3, p.CallCount(), "calls to a gone phone are logged too")

	f.Unreachable = false
	p.SetFaults(f)
	run(t, p, "id")
}

func TestEmptyArgv(t *testing.T) {
	p := androidsim.New(androidsim.GoogleOnly())
	_, err := p.Run(context.Background())
	assert.ErrorIs(t, err, androidsim.ErrEmptyCommand)
	res := run(t, p, "sh", "-c", "")
	assert.Equal(t, 0, res.ExitCode)
	assert.Empty(t, res.Stdout)
}

func TestCallLogIsBounded(t *testing.T) {
	o := androidsim.GoogleOnly()
	o.MaxCalls = 3
	p := androidsim.New(o)
	for i := range 5 {
		run(t, p, "echo", fmt.Sprint(i))
	}
	calls := p.Calls()
	require.Len(t, calls, 3)
	for i, c := range calls {
		assert.Equal(t, []string{"echo", fmt.Sprint(i + 2)}, c.Argv)
	}
	assert.Equal(t, 5, p.CallCount())

	calls[0].Argv[0] = "mutated"
	assert.Equal(t, "echo", p.Calls()[0].Argv[0], "Calls returns copies")
}

func TestImeiIsLuhnValid(t *testing.T) {
	for _, opts := range []func() androidsim.Options{androidsim.BoundXiaomi, androidsim.GoogleOnly, androidsim.SamsungWithSecureFolder, androidsim.HuaweiID} {
		p := androidsim.New(opts())
		res := run(t, p, "service", "call", "iphonesubinfo", "1", "s16", "com.android.shell")
		imei, err := android.ParseIMEI(res.Stdout)
		require.NoError(t, err, "%s", res.Stdout)
		assert.True(t, android.ValidIMEI(imei), imei)
		assert.Equal(t, p.Identity().IMEI, imei)
	}
}

// TestConcurrentRuns runs commands from several goroutines while another
// changes the phone; -race checks the locking.
func TestConcurrentRuns(t *testing.T) {
	clk := newClock()
	o := androidsim.BoundXiaomi()
	o.Now = clk.Now
	o.Person = androidsim.Person{Behaviour: androidsim.Complies, Delay: time.Second}
	p := androidsim.New(o)
	commands := [][]string{
		{"getprop"}, {"pm", "list", "users"}, {"dumpsys", "account"}, {"dumpsys", "account", "--checkin"},
		{"content", "query", "--uri", fdURI + "isLastStatusOpen"}, {"settings", "get", "global", androidsim.KeyLostMode},
		openMiAccount, openAccounts, {"cmd", "notification", "post", "-t", "t", "tag", "text"},
		{"service", "call", "iphonesubinfo", "1", "s16", "com.android.shell"}, {"sh", "-c", "id"},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 6 {
		wg.Go(func() {
			for i := range 150 {
				argv := commands[(g+i)%len(commands)]
				if _, err := p.Run(context.Background(), argv...); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 150 {
			clk.Advance(100 * time.Millisecond)
			_ = p.AddAccount(0, androidsim.Account{Type: androidsim.TypeGoogle, Name: fmt.Sprintf("u%d@example.com", i)})
			p.RemoveAccounts(androidsim.TypeGoogle)
			p.SetLostMode(i%2 == 0)
			f := p.Faults()
			f.FindDevice = androidsim.ProviderAccess(i % 2)
			p.SetFaults(f)
			_ = p.Users()
			_ = p.Screens()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, 6*150, p.CallCount())
}
