package capture_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/android/capture"
	"github.com/unbind/unbind/protocol"
)

var fixedNow = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

// profiles are every simulated phone, by the fake phone's names.
var profiles = []struct {
	name string
	opts func() androidsim.Options
}{
	{"bound-xiaomi", androidsim.BoundXiaomi},
	{"bound-xiaomi-miui", androidsim.BoundXiaomiMIUI},
	{"clean-xiaomi", androidsim.CleanXiaomi},
	{"google-only", androidsim.GoogleOnly},
	{"samsung-secure-folder", androidsim.SamsungWithSecureFolder},
	{"lost-mode-xiaomi", androidsim.LostModeXiaomi},
	{"unreadable", androidsim.Unreadable},
	{"rooted", androidsim.Rooted},
	{"huawei-id", androidsim.HuaweiID},
	{"hanging-find-device", androidsim.HangingFindDevice},
	{"lost-mode-off", androidsim.LostModeOff},
	{"lost-mode-unreadable", androidsim.LostModeUnreadable},
	{"lost-mode-junk", androidsim.LostModeJunk},
	{"vivo-bound", androidsim.VivoBound},
	{"vivo-clean", androidsim.VivoClean},
	{"honor-id", androidsim.HonorID},
	{"honor-clean", androidsim.HonorClean},
	{"oppo-china-heytap", androidsim.OppoChinaHeyTap},
	{"oppo-global-clean", androidsim.OppoGlobalClean},
	{"managed-frp-policy", androidsim.ManagedWithFRPPolicy},
	{"work-profile-byod", androidsim.WorkProfileBYOD},
	{"knox-guard-active", androidsim.KnoxGuardActive},
	{"knox-guard-completed", androidsim.KnoxGuardCompleted},
	{"frp-locked", androidsim.FRPLocked},
	{"app-account-only", androidsim.AppAccountOnly},
	{"unknown-maker-account", androidsim.UnknownMakerAccount},
}

// judge reads a phone through t as status does and returns its report.
func judge(t *testing.T, tr android.Transport, names bool) protocol.Report {
	t.Helper()
	dev := android.NewDevice(tr, android.DeviceConfig{CommandTimeout: 500 * time.Millisecond, AccountNames: names, Now: clock})
	obs, err := dev.Observe(context.Background())
	require.NoError(t, err)
	return agent.Assess(obs, agent.AssessOptions{ShowAccountNames: names})
}

func kinds(r protocol.Report) []string {
	var out []string
	for _, risk := range r.Risks {
		out = append(out, string(risk.Kind))
	}
	return out
}

// personal lists what a simulated phone holds about people: account names,
// e-mail addresses, phone numbers, its IMEI and serial, and the account IDs
// of a company's reset protection policy.
func personal(o androidsim.Options) []string {
	vals := []string{o.Identity.Serial}
	vals = append(vals, o.Policy.FRPAccounts...)
	if o.Identity.IMEI != "" {
		vals = append(vals, o.Identity.IMEI)
	}
	for _, u := range o.Users {
		for _, a := range u.Accounts {
			vals = append(vals, a.Name)
		}
	}
	return vals
}

// TestCaptureReplay: for every simulated phone, a capture replayed gives
// the live verdict and risk kinds, and holds none of the phone's personal
// data unless names were asked for.
func TestCaptureReplay(t *testing.T) {
	for _, p := range profiles {
		for _, names := range []bool{false, true} {
			t.Run(p.name+map[bool]string{false: "", true: "/names"}[names], func(t *testing.T) {
				t.Parallel()
				o := p.opts()
				o.Now = clock
				live := judge(t, androidsim.New(o), names)

				res, err := capture.Phone(context.Background(), androidsim.New(o), capture.Options{
					CommandTimeout: 500 * time.Millisecond, ShowAccountNames: names, Transport: "adb",
					Serial: o.Identity.Serial, Now: clock,
				})
				require.NoError(t, err)
				dir, err := res.Write(t.TempDir())
				require.NoError(t, err)

				rp, err := capture.Open(dir)
				require.NoError(t, err)
				replayed := judge(t, rp, names)
				assert.Equal(t, live.Verdict(), replayed.Verdict())
				assert.Equal(t, kinds(live), kinds(replayed))
				assert.Equal(t, live.FindDevice, replayed.FindDevice)
				assert.Equal(t, live.LostMode, replayed.LostMode)
				assert.Equal(t, string(live.Verdict()), rp.Manifest().Verdict)
				assert.Equal(t, live.Device.Model, replayed.Device.Model)
				assert.Equal(t, live.Device.IMEI != "", replayed.Device.IMEI != "", "IMEI still readable")
				assert.Equal(t, len(live.Accounts), len(replayed.Accounts))

				files := readAll(t, dir)
				for _, v := range personal(o) {
					if names {
						continue
					}
					for name, body := range files {
						assert.NotContains(t, body, v, "%s holds %q", name, v)
					}
					assert.NotContains(t, dir, v)
				}
				if !names {
					assert.NotEqual(t, o.Identity.Serial, replayed.Device.Serial)
					assert.True(t, rp.Manifest().Pseudonymised)
				} else {
					assert.Equal(t, o.Identity.Serial, replayed.Device.Serial)
				}
			})
		}
	}
}

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		files[e.Name()] = string(b)
	}
	require.Contains(t, files, capture.ManifestFile)
	return files
}

// TestCapturePseudonymsStable: a value gets the same pseudonym wherever it
// appears, so the parsers still see one account, one serial.
func TestCapturePseudonymsStable(t *testing.T) {
	o := androidsim.BoundXiaomi()
	o.Now = clock
	res, err := capture.Phone(context.Background(), androidsim.New(o), capture.Options{
		CommandTimeout: time.Second, ShowAccountNames: false, Transport: "local", Now: clock,
	})
	require.NoError(t, err)
	dir, err := res.Write(t.TempDir())
	require.NoError(t, err)
	rp, err := capture.Open(dir)
	require.NoError(t, err)
	id := rp.Manifest().Identity
	assert.Equal(t, "SERIAL0001", id.Serial)
	assert.Equal(t, "Xiaomi-23127PN0CG-SERIAL0001", filepath.Base(dir), "maker, model and serial pseudonym name the directory")
	assert.True(t, android.ValidIMEI(id.IMEI), "pseudonym IMEI %q", id.IMEI)

	// Every serial in the files is the one pseudonym.
	for name, body := range readAll(t, dir) {
		assert.NotContains(t, body, "8a3f21c7", name)
		if strings.Contains(body, "ro.serialno") {
			assert.Contains(t, body, "[ro.serialno]: [SERIAL0001]", name)
		}
	}
	rep := judge(t, rp, true)
	assert.Equal(t, "SERIAL0001", rep.Device.Serial)
	assert.Equal(t, id.IMEI, rep.Device.IMEI)
}

// TestCaptureAgainIntoSameDir: a second capture of the same phone into the
// same directory gets a numbered directory of its own, and both replay.
func TestCaptureAgainIntoSameDir(t *testing.T) {
	out := t.TempDir()
	var dirs []string
	for range 3 {
		o := androidsim.BoundXiaomi()
		o.Now = clock
		res, err := capture.Phone(context.Background(), androidsim.New(o), capture.Options{
			CommandTimeout: time.Second, Transport: "local", Now: clock,
		})
		require.NoError(t, err)
		dir, err := res.Write(out)
		require.NoError(t, err, "capture %d", len(dirs)+1)
		dirs = append(dirs, filepath.Base(dir))
		_, err = capture.Open(dir)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"Xiaomi-23127PN0CG-SERIAL0001", "Xiaomi-23127PN0CG-SERIAL0001-2", "Xiaomi-23127PN0CG-SERIAL0001-3"}, dirs)
	names, _, err := capture.OpenAll(out)
	require.NoError(t, err)
	assert.Len(t, names, 3)
}

// TestReplayNotCaptured: a command the capture lacks is a failed check,
// never an answer.
func TestReplayNotCaptured(t *testing.T) {
	dir := t.TempDir()
	m := `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"local","pseudonymised":true,"account_names":false,
"identity":{},"commands":[{"argv":["getprop"],"stdout":"001.stdout","stderr":"001.stderr","exit_code":0,"duration_ms":3}]}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, capture.ManifestFile), []byte(m), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "001.stdout"), []byte("[ro.product.manufacturer]: [Xiaomi]\n[ro.serialno]: [S1]\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "001.stderr"), nil, 0o644))
	rp, err := capture.Open(dir)
	require.NoError(t, err)
	_, err = rp.Run(context.Background(), "pm", "list", "users")
	require.ErrorIs(t, err, capture.ErrNotCaptured)
	rep := judge(t, rp, false)
	assert.Equal(t, protocol.VerdictUnknown, rep.Verdict())
}
