//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/android/phonecheck"
)

// TestStatusLostModeKey: a clean Xiaomi whose lost-mode key was never
// written is safe; 1 is lost mode; junk or a denial cannot be told. On the
// phone (the fake phone's commands on PATH) and through the fake adb.
func TestStatusLostModeKey(t *testing.T) {
	withFakePhones(t, `e41b9a06 device clean-xiaomi
c09d7e35 device lost-mode-xiaomi
b3d1f604 device lost-mode-junk
d5e7a021 device lost-mode-unreadable
a7c3e910 device lost-mode-off
`)
	tests := []struct {
		profile, serial string
		code            int
		lost            string
		kinds           []string
	}{
		{"clean-xiaomi", "e41b9a06", exitSafe, "off", nil},
		{"lost-mode-off", "a7c3e910", exitSafe, "off", nil},
		{"lost-mode-xiaomi", "c09d7e35", exitNotSafe, "on", []string{"mi_account", "find_device", "google_frp", "lost_mode"}},
		{"lost-mode-junk", "b3d1f604", exitUnknown, "unknown", []string{"unknown"}},
		{"lost-mode-unreadable", "d5e7a021", exitUnknown, "unknown", []string{"unknown"}},
	}
	for _, tc := range tests {
		for _, where := range []string{"on the phone", "over adb"} {
			t.Run(tc.profile+"/"+where, func(t *testing.T) {
				args := []string{"status", "-o", "json"}
				if where == "over adb" {
					args = append(args, "--adb", tc.serial)
				} else {
					t.Setenv("FAKEPHONE_PROFILE", tc.profile)
				}
				out, errOut, code := runAgent(args...)
				require.Equal(t, tc.code, code, "stdout: %s\nstderr: %s", out, errOut)
				var got phonecheck.JSON
				require.NoError(t, json.Unmarshal([]byte(out), &got))
				assert.Equal(t, tc.lost, string(got.LostMode))
				assert.Equal(t, tc.kinds, jsonKinds(got))
			})
		}
	}
}

func jsonKinds(s phonecheck.JSON) []string {
	var out []string
	for _, r := range s.Risks {
		out = append(out, string(r.Kind))
	}
	return out
}

// simProfiles are the fake phone's profiles with the serials the test
// attaches them under.
var simProfiles = map[string]func() androidsim.Options{
	"8a3f21c7": androidsim.BoundXiaomi, "5c81e0d2": androidsim.BoundXiaomiMIUI, "e41b9a06": androidsim.CleanXiaomi,
	"2B111FDH200A7Q": androidsim.GoogleOnly, "R5CW21XKQ7M": androidsim.SamsungWithSecureFolder,
	"c09d7e35": androidsim.LostModeXiaomi, "f3a2c8b1": androidsim.Unreadable, "7d0e44a9": androidsim.Rooted,
	"L2N0219A28004711": androidsim.HuaweiID, "0b6c3f58": androidsim.HangingFindDevice,
	"a7c3e910": androidsim.LostModeOff, "d5e7a021": androidsim.LostModeUnreadable, "b3d1f604": androidsim.LostModeJunk,
}

var simProfileNames = map[string]string{
	"8a3f21c7": "bound-xiaomi", "5c81e0d2": "bound-xiaomi-miui", "e41b9a06": "clean-xiaomi",
	"2B111FDH200A7Q": "google-only", "R5CW21XKQ7M": "samsung-secure-folder",
	"c09d7e35": "lost-mode-xiaomi", "f3a2c8b1": "unreadable", "7d0e44a9": "rooted",
	"L2N0219A28004711": "huawei-id", "0b6c3f58": "hanging-find-device",
	"a7c3e910": "lost-mode-off", "d5e7a021": "lost-mode-unreadable", "b3d1f604": "lost-mode-junk",
}

// TestCaptureThenReplay: for every simulated profile, status
// --from-capture on a capture gives the live verdict, risk kinds and exit
// code, and the capture holds none of the phone's personal data.
func TestCaptureThenReplay(t *testing.T) {
	var scenario strings.Builder
	for serial, profile := range simProfileNames {
		fmt.Fprintf(&scenario, "%s device %s\n", serial, profile)
	}
	withFakePhones(t, scenario.String())
	const timeout = "--command-timeout=1s"

	for serial := range simProfileNames {
		t.Run(simProfileNames[serial], func(t *testing.T) {
			live, liveErr, liveCode := runAgent("status", "-o", "json", "--adb", serial, timeout)
			out := t.TempDir()
			dirs, errOut, code := runAgent("capture", "--adb", serial, "--out", out, timeout)
			require.Equal(t, 0, code, "stderr: %s", errOut)
			dir := strings.TrimSpace(dirs)
			require.DirExists(t, dir)
			replay, replayErr, replayCode := runAgent("status", "-o", "json", "--from-capture", dir)

			assert.Equal(t, liveCode, replayCode, "live: %s %s\nreplay: %s %s", live, liveErr, replay, replayErr)
			var l, r phonecheck.JSON
			require.NoError(t, json.Unmarshal([]byte(live), &l))
			require.NoError(t, json.Unmarshal([]byte(replay), &r))
			assert.Equal(t, l.Verdict, r.Verdict)
			assert.Equal(t, jsonKinds(l), jsonKinds(r))
			assertNoPersonalData(t, out, serial)
		})
	}

	t.Run("all phones", func(t *testing.T) {
		out := t.TempDir()
		dirs, errOut, code := runAgent("capture", "--adb", "all", "--out", out, timeout)
		require.Equal(t, 0, code, "stderr: %s", errOut)
		assert.Len(t, strings.Fields(dirs), len(simProfileNames))
		live, _, liveCode := runAgent("status", "--adb", "all", timeout)
		replay, _, replayCode := runAgent("status", "--from-capture", out)
		assert.Equal(t, liveCode, replayCode)
		assert.Equal(t, countsLine(live), countsLine(replay))
		for serial := range simProfileNames {
			assertNoPersonalData(t, out, serial)
		}
	})
}

// countsLine is the "N phones: ..." line of a bench table (the lines under
// it name phones by serial, which a replay does not keep).
func countsLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, " phones: ") {
			return l
		}
	}
	return ""
}

// assertNoPersonalData greps every file under dir for the simulated phone's
// real account names, e-mail addresses, phone numbers, IMEI and serial.
func assertNoPersonalData(t *testing.T, dir, serial string) {
	t.Helper()
	o := simProfiles[serial]()
	vals := []string{serial}
	if o.Identity.IMEI != "" {
		vals = append(vals, o.Identity.IMEI)
	}
	for _, u := range o.Users {
		for _, a := range u.Accounts {
			vals = append(vals, a.Name)
		}
	}
	n := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, v := range vals {
			assert.NotContains(t, path, v)
		}
		if d.IsDir() {
			return nil
		}
		n++
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, v := range vals {
			assert.NotContains(t, string(b), v, "%s holds %q", path, v)
		}
		return nil
	}))
	assert.Positive(t, n)
}

// TestCaptureTwiceIntoOneDir: a second `capture --adb all` into the same
// --out works (each phone gets a new numbered directory), every directory
// names the phone's maker and model, and the replay of the whole --out
// directory judges every capture.
func TestCaptureTwiceIntoOneDir(t *testing.T) {
	withFakePhones(t, "8a3f21c7 device bound-xiaomi\n2B111FDH200A7Q device google-only\n")
	out := t.TempDir()
	var all []string
	for run := 1; run <= 2; run++ {
		dirs, errOut, code := runAgent("capture", "--adb", "all", "--out", out, "--command-timeout=1s")
		require.Equal(t, 0, code, "run %d: %s", run, errOut)
		all = append(all, strings.Fields(dirs)...)
	}
	var names []string
	for _, d := range all {
		require.DirExists(t, d)
		names = append(names, filepath.Base(d))
	}
	assert.ElementsMatch(t, []string{
		"Xiaomi-23127PN0CG-SERIAL0001", "Xiaomi-23127PN0CG-SERIAL0001-2",
		"Google-Pixel_7-SERIAL0002", "Google-Pixel_7-SERIAL0002-2",
	}, names)
	_, errOut, code := runAgent("status", "--from-capture", out)
	assert.Equal(t, exitNotSafe, code, errOut)
	assertNoPersonalData(t, out, "8a3f21c7")
}
