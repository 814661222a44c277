package androidsim

import "slices"

const (
	// KeyLostMode is the Xiaomi lost-mode setting (global namespace).
	KeyLostMode = "com.xiaomi.system.devicelock.locked"
	// KeyVivoFindPhone is vivo's Find my phone switch (system namespace).
	KeyVivoFindPhone = "isFindPhoneOpened"
	settingsUsage    = "Settings provider (settings) commands:\n" +
		"  get [--user <USER_ID> | current] NAMESPACE KEY\n" +
		"      Retrieve the current value of KEY.\n" +
		"NAMESPACE is one of {system, secure, global}, case-insensitive\n"
)

// settingsCmd answers `settings get NAMESPACE KEY`: the value, or "null"
// when the key is unset.
func (p *Phone) settingsCmd(pr *proc, args []string) {
	args = dropUserFlag(args)
	if len(args) == 0 || args[0] != "get" {
		pr.err("%s", settingsUsage)
		pr.code = exitJavaError
		return
	}
	args = dropUserFlag(args[1:])
	if len(args) != 2 {
		pr.err("%s", settingsUsage)
		pr.code = exitJavaError
		return
	}
	ns, key := args[0], args[1]
	if !slices.Contains([]string{"system", "secure", "global"}, ns) {
		pr.err("Invalid namespace '%s'\n", ns)
		pr.code = exitJavaError
		return
	}
	if ns == "global" && key == KeyLostMode && p.id.isXiaomi() && p.faults.LostModeKey == LostModeKeyDenied {
		pr.err("Exception occurred while executing 'get':\n"+
			"java.lang.SecurityException: Permission Denial: reading global setting %s from pid=%d, uid=2000\n"+
			"\tat com.android.providers.settings.SettingsProvider.enforceReadPermission(SettingsProvider.java:2214)\n", key, p.nextPid())
		pr.code = exitJavaError
		return
	}
	v, ok := p.setting(ns, key)
	if !ok || p.faults.SettingsNull {
		v = "null"
	}
	pr.out("%s\n", v)
}

func dropUserFlag(args []string) []string {
	if len(args) >= 2 && args[0] == "--user" {
		return args[2:]
	}
	return args
}

// setting returns a setting's value, derived from the phone's state where the
// phone derives it too.
func (p *Phone) setting(ns, key string) (string, bool) {
	if ns+"/"+key == "system/"+KeyVivoFindPhone && !p.hasAccountTypeLocked(TypeVivo) {
		// Find my phone needs the vivo account: signing out turns it off.
		if _, ok := p.settings[ns+"/"+key]; ok {
			return "0", true
		}
	}
	if v, ok := p.settings[ns+"/"+key]; ok {
		return v, true
	}
	sdk := p.id.SDK
	switch ns + "/" + key {
	case "global/device_provisioned", "secure/user_setup_complete":
		return boolDigit(!p.setupIncomplete), true
	case "global/" + KeyLostMode:
		if !p.id.isXiaomi() {
			break
		}
		switch {
		case p.faults.LostModeKey == LostModeKeyJunk:
			return "locked?", true
		case p.lostMode || p.faults.LostModeKey == LostModeKeyWritten:
			return boolDigit(p.lostMode), true
		}
	case "global/secure_frp_mode":
		if sdk >= 34 {
			return "0", true
		}
	case "secure/secure_frp_mode":
		if sdk >= 30 && sdk < 34 {
			return "0", true
		}
	case "system/lock_my_mobile":
		if p.id.isSamsung() {
			return boolDigit(p.hasAccountTypeLocked(TypeSamsung)), true
		}
	case "global/adb_enabled", "global/development_settings_enabled":
		return "1", true
	}
	return "", false
}

func (p *Phone) hasAccountTypeLocked(typ string) bool {
	for _, u := range p.users {
		for _, a := range u.Accounts {
			if a.Type == typ {
				return true
			}
		}
	}
	return false
}
