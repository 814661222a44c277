package main

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/unbind/unbind/android/androidsim"
)

// profiles are the simulated phones a scenario can name.
var profiles = map[string]func() androidsim.Options{
	"bound-xiaomi":          androidsim.BoundXiaomi,
	"bound-xiaomi-miui":     androidsim.BoundXiaomiMIUI,
	"clean-xiaomi":          androidsim.CleanXiaomi,
	"google-only":           androidsim.GoogleOnly,
	"samsung-secure-folder": androidsim.SamsungWithSecureFolder,
	"lost-mode-xiaomi":      androidsim.LostModeXiaomi,
	"unreadable":            androidsim.Unreadable,
	"rooted":                androidsim.Rooted,
	"huawei-id":             androidsim.HuaweiID,
	"hanging-find-device":   androidsim.HangingFindDevice,
	"lost-mode-off":         androidsim.LostModeOff,
	"lost-mode-unreadable":  androidsim.LostModeUnreadable,
	"lost-mode-junk":        androidsim.LostModeJunk,
	"vivo-bound":            androidsim.VivoBound,
	"vivo-clean":            androidsim.VivoClean,
	"honor-id":              androidsim.HonorID,
	"honor-clean":           androidsim.HonorClean,
	"oppo-china-heytap":     androidsim.OppoChinaHeyTap,
	"oppo-global-clean":     androidsim.OppoGlobalClean,
	"managed-frp-policy":    androidsim.ManagedWithFRPPolicy,
	"work-profile-byod":     androidsim.WorkProfileBYOD,
	"knox-guard-active":     androidsim.KnoxGuardActive,
	"knox-guard-completed":  androidsim.KnoxGuardCompleted,
	"frp-locked":            androidsim.FRPLocked,
	"app-account-only":      androidsim.AppAccountOnly,
	"unknown-maker-account": androidsim.UnknownMakerAccount,
}

// profileNames lists the profiles in a stable order.
func profileNames() []string { return slices.Sorted(maps.Keys(profiles)) }

// entry is one phone attached to the fake adb.
type entry struct {
	Serial string
	// State is what `adb devices` prints: "device" when ready, else
	// "offline", "unauthorized"...
	State   string
	Profile string
	// ABI overrides the profile's ro.product.cpu.abi when set.
	ABI string
}

func (e entry) ready() bool { return e.State == "device" }

// options returns the simulated phone of e, answering to e's serial.
func (e entry) options() (androidsim.Options, error) {
	mk, ok := profiles[e.Profile]
	if !ok {
		return androidsim.Options{}, fmt.Errorf("unknown profile %q (known: %s)", e.Profile, strings.Join(profileNames(), ", "))
	}
	o := mk()
	o.Identity.Serial = e.Serial
	if e.ABI != "" {
		o.Identity.CPUABI = e.ABI
	}
	return o, nil
}

// parseScenario reads the phones attached to the fake adb, one a line:
//
//	# serial      state         profile        options
//	8a3f21c7      device        bound-xiaomi
//	R5CW21XKQ7M   device        samsung-secure-folder abi=armeabi-v7a
//	emulator-5554 offline
//
// A phone that is not ready needs no profile. A phone rebooted into recovery
// is listed as "recovery" (or "sideload") and answers no shell; a phone
// unplugged (or gone after a wipe) has no line. Tests rewrite the file to
// move a phone from one to the other: every adb call reads it again.
func parseScenario(b []byte) ([]entry, error) {
	var es []entry
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("scenario line %d: want SERIAL STATE [PROFILE [abi=ABI]]", n)
		}
		e := entry{Serial: f[0], State: f[1]}
		if seen[e.Serial] {
			return nil, fmt.Errorf("scenario line %d: serial %q twice", n, e.Serial)
		}
		seen[e.Serial] = true
		if len(f) > 2 {
			e.Profile = f[2]
			if _, ok := profiles[e.Profile]; !ok {
				return nil, fmt.Errorf("scenario line %d: unknown profile %q", n, e.Profile)
			}
		}
		for _, opt := range f[min(3, len(f)):] {
			k, v, ok := strings.Cut(opt, "=")
			if !ok || k != "abi" || v == "" {
				return nil, fmt.Errorf("scenario line %d: unknown option %q", n, opt)
			}
			e.ABI = v
		}
		if e.ready() && e.Profile == "" {
			return nil, fmt.Errorf("scenario line %d: a ready phone needs a profile", n)
		}
		es = append(es, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return es, nil
}

// defaultScenario attaches one phone of every profile, under the profile's
// own serial.
func defaultScenario() []entry {
	var es []entry
	for _, name := range profileNames() {
		es = append(es, entry{Serial: profiles[name]().Identity.Serial, State: "device", Profile: name})
	}
	return es
}

func find(es []entry, serial string) (entry, bool) {
	for _, e := range es {
		if e.Serial == serial {
			return e, true
		}
	}
	return entry{}, false
}
