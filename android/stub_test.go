package android

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// answer is how the stub phone answers one command line.
type answer struct {
	res  Result
	err  error
	hang bool // block until the caller's context ends
	// entered, if set, is called when the command starts.
	entered func()
}

// stubPhone is a Transport that answers command lines from a table, the way
// cli/cli's run stubs do: exact lines first, then the longest matching
// prefix; anything else is a program the phone does not have.
type stubPhone struct {
	mu     sync.Mutex
	exact  map[string]answer
	prefix map[string]answer
	calls  []string
}

// newStub returns a stub phone that answers the lock catalogue's checks
// as a phone nobody manages, past its setup, does; tests override them.
func newStub() *stubPhone {
	s := &stubPhone{exact: map[string]answer{}, prefix: map[string]answer{}}
	return s.on(cmdPolicy, stdout("Current Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 3):\n\n")).
		on(cmdFRPGlobal, stdout("0\n")).
		on(cmdFRPSecure, stdout("0\n")).
		on(cmdProvisioned, stdout("1\n"))
}

func (s *stubPhone) Run(ctx context.Context, argv ...string) (Result, error) {
	line := strings.Join(argv, " ")
	s.mu.Lock()
	s.calls = append(s.calls, line)
	a, ok := s.exact[line]
	if !ok {
		best := -1
		for p, pa := range s.prefix {
			if strings.HasPrefix(line, p) && len(p) > best {
				a, ok, best = pa, true, len(p)
			}
		}
	}
	s.mu.Unlock()
	if ok && a.entered != nil {
		a.entered()
	}
	switch {
	case !ok:
		return Result{Stderr: []byte("/system/bin/sh: " + argv[0] + ": inaccessible or not found\n"), ExitCode: 127}, nil
	case a.hang:
		<-ctx.Done()
		return Result{}, ctx.Err()
	}
	return a.res, a.err
}

// on sets the answer to an exact command line.
func (s *stubPhone) on(line string, a answer) *stubPhone {
	s.exact[line] = a
	return s
}

// onPrefix sets the answer to every command line starting with p.
func (s *stubPhone) onPrefix(p string, a answer) *stubPhone {
	s.prefix[p] = a
	return s
}

// called returns the command lines run so far.
func (s *stubPhone) called() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// ran reports whether a command line starting with p was run.
func (s *stubPhone) ran(p string) bool {
	for _, c := range s.called() {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}

// capture answers with the stdout captured in testdata/<name>.txt.
func capture(t *testing.T, name string) answer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
	require.NoError(t, err)
	return answer{res: Result{Stdout: b}}
}

func stdout(s string) answer { return answer{res: Result{Stdout: []byte(s)}} }

func stderr(s string, code int) answer {
	return answer{res: Result{Stderr: []byte(s), ExitCode: code}}
}

// Command lines of the Android adapter, as the stub sees them.
const (
	cmdGetprop       = "getprop"
	cmdIMEI          = "service call iphonesubinfo 1 s16 com.android.shell"
	cmdUsers         = "pm list users"
	cmdCheckin       = "dumpsys account --checkin"
	cmdDump          = "dumpsys account"
	cmdFindLast      = "content query --uri content://com.xiaomi.finddevice.provider/isLastStatusOpen"
	cmdFindOpen      = "content query --uri content://com.xiaomi.finddevice.provider/isOpen"
	cmdLostMode      = "settings get global com.xiaomi.system.devicelock.locked"
	cmdSuC           = "su -c id"
	cmdPolicy        = "dumpsys device_policy"
	cmdFRPGlobal     = "settings get global secure_frp_mode"
	cmdFRPSecure     = "settings get secure secure_frp_mode"
	cmdProvisioned   = "settings get global device_provisioned"
	cmdSystemPkgs    = "pm list packages -s"
	cmdVivoFindPhone = "settings get system isFindPhoneOpened"
	cmdHeyTap        = "content query --uri content://com.oppo.usercenter.accountinfo"
	cmdSu0           = "su 0 id"
	cmdNotify        = "cmd notification post"
	cmdMiAccount     = "am start -a android.settings.XIAOMI_ACCOUNT_SYNC_SETTINGS -p com.xiaomi.account"
	cmdFindScreen    = "am start -a com.xiaomi.action.MICLOUD_FIND_DEVICE_GUIDE -p com.miui.cloudservice"
	cmdSyncSettings  = "am start -a android.settings.SYNC_SETTINGS"
	cmdMasterClear   = "am start -a android.settings.MASTER_CLEAR"
	cmdMIUIReset     = "am start -n com.android.settings/.SubSettings --es :android:show_fragment com.android.settings.MiuiMasterClear"
	cmdAboutPhone    = "am start -a android.settings.DEVICE_INFO_SETTINGS"
	cmdRootReset     = "su -c am broadcast -a android.intent.action.FACTORY_RESET -p android"
)

// boundXiaomi is a HyperOS Redmi with a Google and a Mi account, Find Device
// on, not lost, not rooted.
func boundXiaomi(t *testing.T) *stubPhone {
	return newStub().
		on(cmdGetprop, capture(t, "getprop/xiaomi-hyperos")).
		on(cmdIMEI, capture(t, "service-call-iphonesubinfo/valid")).
		on(cmdUsers, capture(t, "pm-list-users/owner")).
		on(cmdCheckin, capture(t, "dumpsys-account-checkin/bound-xiaomi")).
		on(cmdDump, capture(t, "dumpsys-account/bound-xiaomi")).
		on(cmdFindLast, capture(t, "content-query/isLastStatusOpen-on")).
		on(cmdLostMode, stdout("0\n"))
}

// cleanXiaomi has no account in its owner or its clone space.
func cleanXiaomi(t *testing.T) *stubPhone {
	return newStub().
		on(cmdGetprop, capture(t, "getprop/xiaomi-hyperos")).
		on(cmdUsers, capture(t, "pm-list-users/xiaomi-clone-space")).
		on(cmdCheckin, capture(t, "dumpsys-account-checkin/clean-xiaomi")).
		on(cmdDump, capture(t, "dumpsys-account/clean-xiaomi")).
		on(cmdFindLast, capture(t, "content-query/isLastStatusOpen-off")).
		on(cmdLostMode, stdout("0\n"))
}

// samsungSecureFolder has a Samsung account for the owner and a Google
// account hidden in Secure Folder (user 150).
func samsungSecureFolder(t *testing.T) *stubPhone {
	return newStub().
		on(cmdGetprop, capture(t, "getprop/samsung")).
		on(cmdUsers, capture(t, "pm-list-users/samsung-secure-folder")).
		on(cmdCheckin, capture(t, "dumpsys-account-checkin/samsung-secure-folder")).
		on(cmdDump, capture(t, "dumpsys-account/samsung-secure-folder"))
}
