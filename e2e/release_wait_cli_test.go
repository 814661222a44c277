package e2e

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
)

// TestReleaseWaitSaysWhatToDo: `unbind release --wait`, the real binary,
// names each change's release ID and phone and, below it, what the person
// at the phone or the operator must do: sign out on the screen shown, and
// for a phone whose reset screen is open, confirm the reset there and then
// `unbind release confirm` with that release's ID. Canceled, the releases
// end and --wait exits 1 (not every phone was released).
func TestReleaseWaitSaysWhatToDo(t *testing.T) {
	t.Parallel()
	bin := buildUnbind(t)
	ctx := context.Background()
	c := controllertest.Start(t)
	clean := phone(androidsim.CleanXiaomi(), "wait-clean", androidsim.Never)
	bound := phone(androidsim.BoundXiaomi(), "wait-bound", androidsim.Never)
	startFleet(t, c.BrokerURL(), []*androidsim.Phone{clean, bound}, enrollVia(c))
	everyPhoneReports(t, c, []*androidsim.Phone{clean, bound})

	runCtx, stop := context.WithTimeout(ctx, 2*time.Minute)
	defer stop()
	cmd := exec.CommandContext(runCtx, bin, "release", clean.Serial(), bound.Serial(), "--wait", "--poll", "100ms", "--api", c.APIURL())
	cmd.Env = []string{"HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(),
		cli.TokenEnv + "=" + controllertest.Token(t, c, controller.RoleOperator)}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	releaseOf := func(serial string) registry.ReleaseRecord {
		rs, err := c.Registry().Releases(ctx, registry.ReleaseFilter{DeviceID: serial})
		require.NoError(t, err)
		require.Len(t, rs, 1)
		return rs[0]
	}
	// Read stderr until both instructions were shown, each under its
	// phone's change line.
	var seen []string
	want := map[string]bool{"reset": false, "sign out": false}
	for !want["reset"] || !want["sign out"] {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "--wait ended early:\n%s", strings.Join(seen, "\n"))
			seen = append(seen, line)
			if len(seen) < 2 {
				continue
			}
			change, instruction := seen[len(seen)-2], line
			if strings.Contains(change, "waiting_for_reset") {
				id := releaseOf(clean.Serial()).ID
				assert.Contains(t, change, clean.Serial())
				assert.Contains(t, change, "release "+id)
				assert.Contains(t, instruction, "Tell the person at the phone: confirm the reset")
				assert.Contains(t, instruction, "unbind release confirm "+id)
				want["reset"] = true
			}
			if strings.Contains(change, "sign_out") {
				assert.Contains(t, change, bound.Serial())
				assert.Contains(t, change, "release "+releaseOf(bound.Serial()).ID)
				assert.Contains(t, instruction, "Tell the person at the phone: sign out of the account")
				want["sign out"] = true
			}
		case <-runCtx.Done():
			t.Fatalf("no instruction in time:\n%s", strings.Join(seen, "\n"))
		}
	}

	_, err = c.CancelReleases(ctx, nil, "tester")
	require.NoError(t, err)
	for line := range lines {
		seen = append(seen, line)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "exit status: %v\n%s", err, strings.Join(seen, "\n"))
	assert.Equal(t, 1, exit.ExitCode(), "not every phone was released")
	assert.Contains(t, strings.Join(seen, "\n"), "canceled")
}
