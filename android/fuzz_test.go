package android

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFrom adds every capture of a testdata directory to the fuzz corpus.
func seedFrom(f *testing.F, dir string) {
	f.Helper()
	inputs, err := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	if err != nil || len(inputs) == 0 {
		f.Fatalf("no seeds in testdata/%s: %v", dir, err)
	}
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseUsers(f *testing.F) {
	seedFrom(f, "pm-list-users")
	f.Fuzz(func(t *testing.T, in []byte) {
		users, err := ParseUsers(in)
		if err == nil && len(users) == 0 {
			t.Fatal("no error and no user")
		}
		for _, u := range users {
			if u.ID < 0 {
				t.Fatalf("negative user id %d", u.ID)
			}
		}
	})
}

func FuzzParseAccountDump(f *testing.F) {
	seedFrom(f, "dumpsys-account")
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDump(t, ParseAccountDump, in)
	})
}

func FuzzParseAccountCheckin(f *testing.F) {
	seedFrom(f, "dumpsys-account-checkin")
	f.Fuzz(func(t *testing.T, in []byte) {
		d := checkDump(t, ParseAccountCheckin, in)
		for _, u := range d.Users {
			for _, a := range u.Accounts {
				if a.Name != "" {
					t.Fatal("checkin form produced a name")
				}
			}
		}
	})
}

// checkDump holds for both account forms: a clean answer has at least one
// user block, and every account it lists has a plausible type.
func checkDump(t *testing.T, parse func([]byte) (AccountDump, error), in []byte) AccountDump {
	t.Helper()
	d, err := parse(in)
	if err != nil {
		if len(d.Users) != 0 {
			t.Fatal("error with user blocks")
		}
		return d
	}
	if len(d.Users) == 0 {
		t.Fatal("no error and no user block")
	}
	for _, u := range d.Users {
		if u.Err == nil && u.User.ID < 0 {
			t.Fatal("clean block without a user")
		}
		for _, a := range u.Accounts {
			if !validAccountType(a.Type) {
				t.Fatalf("invalid type %q", a.Type)
			}
		}
	}
	return d
}

func FuzzParseContentFlag(f *testing.F) {
	seedFrom(f, "content-query")
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, col := range []string{"isLastStatusOpen", "isOpen", "isLocked"} {
			on, err := ParseContentFlag(in, col)
			if err != nil && on {
				t.Fatal("on with an error")
			}
		}
	})
}

func FuzzParseSetting(f *testing.F) {
	seedFrom(f, "settings-get")
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := ParseSetting(in)
		if err == nil && (v == "" || v == "null") {
			t.Fatalf("clean answer %q", v)
		}
		_, _ = ParseSettingInt(in)
	})
}

func FuzzParseGetprop(f *testing.F) {
	seedFrom(f, "getprop")
	f.Fuzz(func(t *testing.T, in []byte) {
		props, err := ParseGetprop(in)
		if err == nil && len(props) == 0 {
			t.Fatal("no error and no property")
		}
		_ = PropsFrom(props).IsXiaomi()
		_, _ = ParseGetpropValue(in)
	})
}

func FuzzParseIMEI(f *testing.F) {
	seedFrom(f, "service-call-iphonesubinfo")
	f.Fuzz(func(t *testing.T, in []byte) {
		imei, err := ParseIMEI(in)
		if err == nil && !ValidIMEI(imei) {
			t.Fatalf("invalid IMEI %q accepted", imei)
		}
	})
}

func FuzzParseADBDevices(f *testing.F) {
	seedFrom(f, "adb-devices")
	f.Fuzz(func(t *testing.T, in []byte) {
		devs, err := ParseADBDevices(in)
		for _, d := range devs {
			if err != nil || d.Serial == "" || d.State == "" {
				t.Fatalf("bad device %+v (err %v)", d, err)
			}
		}
	})
}

func FuzzParseAM(f *testing.F) {
	seedFrom(f, "am-start")
	seedFrom(f, "am-broadcast")
	seedFrom(f, "su-id")
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = ParseAMStart(in)
		_ = ParseAMBroadcast(in)
		_ = ParseRootID(in)
	})
}

func FuzzParseBootID(f *testing.F) {
	f.Add([]byte("0f6e2c8a-1b2c-4d5e-8f90-a1b2c3d4e5f6\n"))
	f.Add([]byte("cat: Permission denied"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if id := ParseBootID(in); id != "" && len(id) != 36 {
			t.Fatalf("boot ID %q is not a UUID", id)
		}
	})
}

func FuzzParseWipeProp(f *testing.F) {
	for _, s := range []string{"1recovery", "reboot,recovery", "1", "reboot,bootloader", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if ParseWipeProp(in) && !strings.Contains(in, "recovery") {
			t.Fatalf("%q read as a wipe", in)
		}
	})
}

func FuzzParseDevicePolicy(f *testing.F) {
	seedFrom(f, "dumpsys-device-policy")
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ParseDevicePolicy(in)
		if err != nil {
			if p.DeviceOwner != "" || len(p.ProfileOwners) > 0 || p.FRPPolicyEnabled || p.ResetRestricted {
				t.Fatal("an error with a partial answer")
			}
			return
		}
		if p.DeviceOwner != "" && !validAccountType(p.DeviceOwner) {
			t.Fatalf("device owner %q is not a package name", p.DeviceOwner)
		}
		for _, po := range p.ProfileOwners {
			if po.User < 0 || !validAccountType(po.Package) {
				t.Fatalf("odd profile owner %+v", po)
			}
		}
		if p.FRPPolicyEnabled && len(p.FRPAccounts) == 0 {
			t.Fatal("an enabled policy without accounts")
		}
	})
}

func FuzzParsePackages(f *testing.F) {
	seedFrom(f, "pm-list-packages")
	f.Fuzz(func(t *testing.T, in []byte) {
		pkgs, err := ParsePackages(in)
		if err == nil && len(pkgs) == 0 {
			t.Fatal("no error and no package")
		}
		for p := range pkgs {
			if !validAccountType(p) {
				t.Fatalf("package %q is not a package name", p)
			}
		}
	})
}

func FuzzParseContentRows(f *testing.F) {
	seedFrom(f, "content-query-rows")
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, err := ParseContentRows(in)
		if err != nil && rows != 0 {
			t.Fatal("an error with rows")
		}
		if rows < 0 {
			t.Fatal("negative rows")
		}
	})
}

func FuzzParseTradeInStatus(f *testing.F) {
	seedFrom(f, "tradeinmode-getstatus")
	f.Fuzz(func(t *testing.T, in []byte) {
		st, err := ParseTradeInStatus(in)
		if err != nil && (st.FRPLocked || st.Serial != "") {
			t.Fatal("an error with an answer")
		}
	})
}
