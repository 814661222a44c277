package agentbin

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// qemu returns the qemu-aarch64 binary. CI installs it (make deps), so a
// missing one fails the test rather than skipping it.
func qemu(t *testing.T) string { return qemuFor(t, "aarch64") }

func qemuFor(t *testing.T, arch string) string {
	t.Helper()
	path, err := exec.LookPath("qemu-" + arch)
	if err != nil {
		t.Fatalf("qemu-%s not found: install the Debian package qemu-user (make deps runs scripts/install-deps.sh): %v", arch, err)
	}
	return path
}

func TestQEMUVersion(t *testing.T) {
	t.Parallel()
	res := run(t, t.TempDir(), nil, qemu(t), arm64Agent(t), "version")
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Equal(t, "unbind-agent "+testVersion+"\n", res.stdout)
}

// TestQEMUStatus runs the arm64 agent as it runs on a phone: no --adb, the
// phone's commands found on PATH.
func TestQEMUStatus(t *testing.T) {
	t.Parallel()
	qemu, agent, fake := qemu(t), arm64Agent(t), fakePhone(t)
	tests := []struct {
		profile string
		code    int
		verdict string
		kinds   []string
	}{
		{"bound-xiaomi", 1, "at_risk", []string{"mi_account", "find_device", "google_frp"}},
		{"clean-xiaomi", 0, "safe", nil},
		{"samsung-secure-folder", 1, "at_risk", []string{"google_frp", "google_frp", "samsung_reactivation"}},
		{"rooted", 1, "at_risk", []string{"mi_account", "find_device", "google_frp"}},
		{"unreadable", 2, "unknown", []string{"unknown", "unknown"}},
		{"hanging-find-device", 1, "at_risk", []string{"mi_account", "find_device", "google_frp"}},
	}
	for _, tc := range tests {
		t.Run(tc.profile, func(t *testing.T) {
			t.Parallel()
			res := run(t, fake, []string{"FAKEPHONE_PROFILE=" + tc.profile},
				qemu, agent, "status", "--output", "json", "--command-timeout", "5s")
			require.Equal(t, tc.code, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
			var got struct {
				Device struct {
					Serial string `json:"serial"`
				} `json:"device"`
				SafeToReset bool `json:"safe_to_reset"`
				Verdict     string
				Risks       []struct {
					Kind string `json:"kind"`
				} `json:"risks"`
			}
			require.NoError(t, json.Unmarshal([]byte(res.stdout), &got), res.stdout)
			assert.NotEmpty(t, got.Device.Serial)
			assert.Equal(t, tc.verdict, got.Verdict)
			assert.Equal(t, tc.code == 0, got.SafeToReset)
			var kinds []string
			for _, r := range got.Risks {
				kinds = append(kinds, r.Kind)
			}
			assert.Equal(t, tc.kinds, kinds)
		})
	}

	t.Run("text", func(t *testing.T) {
		t.Parallel()
		res := run(t, fake, []string{"FAKEPHONE_PROFILE=bound-xiaomi"}, qemu, agent, "status")
		require.Equal(t, 1, res.code, "stderr: %s", res.stderr)
		assert.Contains(t, res.stdout, "NOT SAFE to reset")
		assert.Contains(t, res.stdout, "Sign out of the Mi account")
		assert.NotContains(t, res.stdout, "2807000558", "account names are masked")
	})
}

// TestQEMUArmv7: the static 32-bit build for armeabi-v7a phones.
func TestQEMUArmv7(t *testing.T) {
	t.Parallel()
	qemu, agent, fake := qemuFor(t, "arm"), armv7Agent(t), fakePhone(t)
	res := run(t, fake, nil, qemu, agent, "version")
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Equal(t, "unbind-agent "+testVersion+"\n", res.stdout)

	res = run(t, fake, []string{"FAKEPHONE_PROFILE=bound-xiaomi-miui"}, qemu, agent, "status")
	assert.Equal(t, 1, res.code, "stderr: %s", res.stderr)
	assert.Contains(t, res.stdout, "Phone: Redmi 2201117TG, serial 5c81e0d2, Android 13, MIUI V140")
	assert.Contains(t, res.stdout, "NOT SAFE to reset")
}
