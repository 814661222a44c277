//go:build unix

package main

import (
	"context"
	"github.com/unbind/unbind/internal/cli"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunPhoneAccountNames: --show-account-names reaches the phone that run
// reads (it used to be dropped there, so run never saw a name).
func TestRunPhoneAccountNames(t *testing.T) {
	withFakePhones(t, "")
	t.Setenv("FAKEPHONE_PROFILE", "bound-xiaomi")
	for _, show := range []bool{false, true} {
		args := []string{"--command-timeout", "5s"}
		if show {
			args = append(args, "--show-account-names")
		}
		var opts *runOptions
		cmd := newRunCmd(cli.Streams{}, func(_ context.Context, o *runOptions) error { opts = o; return nil })
		cmd.SetArgs(args)
		require.NoError(t, cmd.Execute())
		require.NotNil(t, opts)

		phone, err := opts.phone(slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		obs, err := phone.Observe(ctx)
		cancel()
		require.NoError(t, err)
		var names []string
		for _, u := range obs.Users {
			for _, a := range u.Accounts {
				names = append(names, a.Name)
			}
		}
		if show {
			assert.Contains(t, names, "lena.hoffmann@example.com")
		} else {
			assert.NotContains(t, names, "lena.hoffmann@example.com")
		}
	}
}
