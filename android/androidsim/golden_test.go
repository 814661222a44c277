package androidsim_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
)

const fdURI = "content://com.xiaomi.finddevice.provider/"

// goldenCase runs one command on a fresh phone and compares the transcript
// with testdata/<name>.golden.
type goldenCase struct {
	name string
	opts func() androidsim.Options
	// tweak adjusts the options before the phone is built.
	tweak func(*androidsim.Options)
	argv  []string
}

func oddNamesPhone() androidsim.Options {
	o := androidsim.CleanXiaomi()
	o.Users = []androidsim.User{
		androidsim.Owner("机主",
			androidsim.Account{Type: androidsim.TypeGoogle, Name: "li.na@example.com"},
			androidsim.Account{Type: "com.example.notes", Name: "Anna, type=com.google"},
			androidsim.Account{Type: androidsim.TypeTelegram, Name: "王, 小明"},
			androidsim.Account{Type: "com.example.notes", Name: "notes}, type=com.xiaomi"},
		),
		{ID: 10, Name: "Büro: Arbeit", Flags: androidsim.FlagsSecondary, Running: false, Accounts: []androidsim.Account{
			{Type: androidsim.TypeXiaomi, Name: "2807000558"},
		}},
		{ID: 999, Name: "XSpace", Flags: androidsim.FlagsProfile, Running: true},
	}
	return o
}

var goldenCases = []goldenCase{
	{name: "getprop_hyperos", opts: androidsim.BoundXiaomi, argv: []string{"getprop"}},
	{name: "getprop_miui", opts: androidsim.BoundXiaomiMIUI, argv: []string{"getprop"}},
	{name: "getprop_pixel", opts: androidsim.GoogleOnly, argv: []string{"getprop"}},
	{name: "getprop_samsung", opts: androidsim.SamsungWithSecureFolder, argv: []string{"getprop"}},
	{name: "getprop_huawei", opts: androidsim.HuaweiID, argv: []string{"getprop"}},
	{name: "getprop_key", opts: androidsim.BoundXiaomi, argv: []string{"getprop", "ro.mi.os.version.name"}},
	{name: "getprop_missing_key", opts: androidsim.GoogleOnly, argv: []string{"getprop", "ro.miui.ui.version.name"}},
	{name: "getprop_default", opts: androidsim.GoogleOnly, argv: []string{"getprop", "ro.unset", "fallback"}},

	{name: "pm_users_secure_folder", opts: androidsim.SamsungWithSecureFolder, argv: []string{"pm", "list", "users"}},
	{name: "pm_users_odd_names", opts: oddNamesPhone, argv: []string{"pm", "list", "users"}},
	{name: "pm_users_legacy_flags", opts: androidsim.HuaweiID, argv: []string{"pm", "list", "users"}},

	{name: "dumpsys_account_bound_xiaomi", opts: androidsim.BoundXiaomiMIUI, argv: []string{"dumpsys", "account"}},
	{name: "dumpsys_account_secure_folder", opts: androidsim.SamsungWithSecureFolder, argv: []string{"dumpsys", "account"}},
	{name: "dumpsys_account_secure_folder_stopped", opts: androidsim.SamsungWithSecureFolder,
		tweak: func(o *androidsim.Options) { o.Users[1].Running = false }, argv: []string{"dumpsys", "account"}},
	{name: "dumpsys_account_odd_names", opts: oddNamesPhone, argv: []string{"dumpsys", "account"}},
	{name: "dumpsys_account_clean", opts: androidsim.CleanXiaomi, argv: []string{"dumpsys", "account"}},
	{name: "dumpsys_account_denied", opts: androidsim.Unreadable, argv: []string{"dumpsys", "account"}},
	{name: "dumpsys_account_not_loaded", opts: androidsim.BoundXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.AccountDump = androidsim.DumpServicesNotLoaded },
		argv:  []string{"dumpsys", "account"}},
	{name: "dumpsys_account_empty", opts: androidsim.BoundXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.AccountDump = androidsim.DumpEmpty }, argv: []string{"dumpsys", "account"}},
	{name: "dumpsys_account_truncated", opts: androidsim.SamsungWithSecureFolder,
		tweak: func(o *androidsim.Options) { o.Faults.AccountDump = androidsim.DumpTruncated }, argv: []string{"dumpsys", "account"}},
	{name: "dumpsys_account_truncated_clean", opts: androidsim.CleanXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.AccountDump = androidsim.DumpTruncated }, argv: []string{"dumpsys", "account"}},
	{name: "dumpsys_checkin_secure_folder", opts: androidsim.SamsungWithSecureFolder, argv: []string{"dumpsys", "account", "--checkin"}},
	{name: "dumpsys_checkin_odd_names", opts: oddNamesPhone, argv: []string{"dumpsys", "account", "--checkin"}},
	{name: "dumpsys_checkin_denied", opts: androidsim.Unreadable, argv: []string{"dumpsys", "account", "--checkin"}},
	{name: "dumpsys_checkin_truncated", opts: androidsim.BoundXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.Checkin = androidsim.DumpTruncated }, argv: []string{"dumpsys", "account", "--checkin"}},
	{name: "dumpsys_checkin_denied_root", opts: androidsim.Unreadable,
		tweak: func(o *androidsim.Options) { o.Rooted = true }, argv: []string{"su", "-c", "dumpsys account --checkin"}},
	{name: "dumpsys_unknown_service", opts: androidsim.GoogleOnly, argv: []string{"dumpsys", "nosuch"}},

	{name: "content_denied", opts: androidsim.BoundXiaomi, argv: []string{"content", "query", "--uri", fdURI + "isLastStatusOpen"}},
	{name: "content_open_on", opts: androidsim.BoundXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.FindDevice = androidsim.ProviderOpen },
		argv:  []string{"content", "query", "--uri", fdURI + "isLastStatusOpen"}},
	{name: "content_open_off_is_open", opts: androidsim.CleanXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.FindDevice = androidsim.ProviderOpen },
		argv:  []string{"content", "query", "--uri", fdURI + "isOpen"}},
	{name: "content_is_locked_lost", opts: androidsim.LostModeXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.FindDevice = androidsim.ProviderOpen },
		argv:  []string{"content", "query", "--uri", fdURI + "isLocked"}},
	{name: "content_no_result", opts: androidsim.BoundXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.FindDevice = androidsim.ProviderNoResult },
		argv:  []string{"content", "query", "--uri", fdURI + "isLastStatusOpen"}},
	{name: "content_null", opts: androidsim.BoundXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.FindDevice = androidsim.ProviderNull },
		argv:  []string{"content", "query", "--uri", fdURI + "isLastStatusOpen"}},
	{name: "content_absent_pixel", opts: androidsim.GoogleOnly, argv: []string{"content", "query", "--uri", fdURI + "isLastStatusOpen"}},
	{name: "content_root_bypasses_denial", opts: androidsim.Rooted,
		argv: []string{"su", "-c", "content query --uri " + fdURI + "isLastStatusOpen"}},
	{name: "content_no_uri", opts: androidsim.BoundXiaomi, argv: []string{"content", "query"}},

	{name: "settings_lost_mode_on", opts: androidsim.LostModeXiaomi, argv: []string{"settings", "get", "global", androidsim.KeyLostMode}},
	{name: "settings_lost_mode_off", opts: androidsim.LostModeOff, argv: []string{"settings", "get", "global", androidsim.KeyLostMode}},
	{name: "settings_lost_mode_absent", opts: androidsim.BoundXiaomi, argv: []string{"settings", "get", "global", androidsim.KeyLostMode}},
	{name: "settings_lost_mode_denied", opts: androidsim.LostModeUnreadable, argv: []string{"settings", "get", "global", androidsim.KeyLostMode}},
	{name: "settings_lost_mode_junk", opts: androidsim.LostModeJunk, argv: []string{"settings", "get", "global", androidsim.KeyLostMode}},
	{name: "settings_lost_mode_pixel", opts: androidsim.GoogleOnly, argv: []string{"settings", "get", "global", androidsim.KeyLostMode}},
	{name: "settings_frp_global_api34", opts: androidsim.BoundXiaomi, argv: []string{"settings", "get", "global", "secure_frp_mode"}},
	{name: "settings_frp_secure_api33", opts: androidsim.BoundXiaomiMIUI, argv: []string{"settings", "get", "secure", "secure_frp_mode"}},
	{name: "settings_provisioned", opts: androidsim.GoogleOnly, argv: []string{"settings", "get", "global", "device_provisioned"}},
	{name: "settings_setup_incomplete", opts: androidsim.GoogleOnly,
		tweak: func(o *androidsim.Options) { o.SetupIncomplete = true },
		argv:  []string{"settings", "get", "secure", "user_setup_complete"}},
	{name: "settings_samsung_lock", opts: androidsim.SamsungWithSecureFolder, argv: []string{"settings", "get", "system", "lock_my_mobile"}},
	{name: "settings_all_null", opts: androidsim.GoogleOnly,
		tweak: func(o *androidsim.Options) { o.Faults.SettingsNull = true },
		argv:  []string{"settings", "get", "global", "device_provisioned"}},
	{name: "settings_user_flag", opts: androidsim.GoogleOnly, argv: []string{"settings", "get", "--user", "0", "global", "device_provisioned"}},
	{name: "settings_bad_namespace", opts: androidsim.GoogleOnly, argv: []string{"settings", "get", "vendor", "x"}},

	{name: "am_start_sync", opts: androidsim.GoogleOnly, argv: []string{"am", "start", "-a", androidsim.ActionSync}},
	{name: "am_start_mi_account", opts: androidsim.BoundXiaomi,
		argv: []string{"am", "start", "-a", androidsim.ActionMiAccount, "-p", "com.xiaomi.account"}},
	{name: "am_start_mi_account_denied", opts: androidsim.BoundXiaomi,
		tweak: func(o *androidsim.Options) { o.Faults.XiaomiIntentsDenied = true },
		argv:  []string{"am", "start", "-a", androidsim.ActionMiAccount, "-p", "com.xiaomi.account"}},
	{name: "am_start_find_device", opts: androidsim.BoundXiaomi,
		argv: []string{"am", "start", "-a", androidsim.ActionFindDevice, "-p", "com.miui.cloudservice"}},
	{name: "am_start_mi_account_on_pixel", opts: androidsim.GoogleOnly,
		argv: []string{"am", "start", "-a", androidsim.ActionMiAccount, "-p", "com.xiaomi.account"}},
	{name: "am_start_master_clear", opts: androidsim.GoogleOnly, argv: []string{"am", "start", "-a", androidsim.ActionMasterClear}},
	{name: "am_start_miui_reset_fragment", opts: androidsim.BoundXiaomi,
		argv: []string{"am", "start", "-n", "com.android.settings/.SubSettings", "--es", ":android:show_fragment", "com.android.settings.MiuiMasterClear"}},
	{name: "am_start_missing_class", opts: androidsim.GoogleOnly, argv: []string{"am", "start", "-n", "com.xiaomi.account/.Nope"}},
	{name: "am_start_bad_option", opts: androidsim.GoogleOnly, argv: []string{"am", "start", "--bogus"}},
	{name: "am_broadcast_reset_shell", opts: androidsim.BoundXiaomi,
		argv: []string{"am", "broadcast", "-a", androidsim.ActionFactoryReset, "-p", "android"}},
	{name: "am_broadcast_reset_root", opts: androidsim.Rooted,
		argv: []string{"su", "-c", "am broadcast -a android.intent.action.FACTORY_RESET -p android"}},
	{name: "am_broadcast_other", opts: androidsim.GoogleOnly, argv: []string{"am", "broadcast", "-a", "com.example.PING"}},

	{name: "cmd_notification", opts: androidsim.GoogleOnly,
		argv: []string{"cmd", "notification", "post", "-t", "Unbind: action needed", "unbind", "Remove every account here."}},
	{name: "cmd_notification_usage", opts: androidsim.GoogleOnly, argv: []string{"cmd", "notification", "post", "-t", "only a title"}},
	{name: "cmd_unknown_service", opts: androidsim.GoogleOnly, argv: []string{"cmd", "nosuch"}},

	{name: "service_imei", opts: androidsim.BoundXiaomi, argv: []string{"service", "call", "iphonesubinfo", "1", "s16", "com.android.shell"}},
	{name: "service_imei_withheld", opts: androidsim.Unreadable, argv: []string{"service", "call", "iphonesubinfo", "1", "s16", "com.android.shell"}},

	{name: "su_missing", opts: androidsim.BoundXiaomi, argv: []string{"su", "-c", "id"}},
	{name: "su_c_id", opts: androidsim.Rooted, argv: []string{"su", "-c", "id"}},
	{name: "su_0_id", opts: androidsim.Rooted, argv: []string{"su", "0", "id"}},
	{name: "id_shell", opts: androidsim.BoundXiaomi, argv: []string{"id"}},
	{name: "which_su_rooted", opts: androidsim.Rooted, argv: []string{"which", "su"}},
	{name: "unknown_program", opts: androidsim.BoundXiaomi, argv: []string{"frobnicate", "--now"}},
	{name: "unknown_absolute_path", opts: androidsim.BoundXiaomi, argv: []string{"/data/local/tmp/agent"}},
	{name: "absolute_getprop", opts: androidsim.BoundXiaomi, argv: []string{"/system/bin/getprop", "ro.product.model"}},
	{name: "sh_c_quoted", opts: androidsim.BoundXiaomi, argv: []string{"sh", "-c", `getprop 'ro.product.'"model"`}},
	{name: "sh_c_unmatched", opts: androidsim.BoundXiaomi, argv: []string{"sh", "-c", "getprop 'ro.product.model"}},
	{name: "sh_c_redirect", opts: androidsim.BoundXiaomi, argv: []string{"sh", "-c", "su -c id 2>&1"}},
}

func TestGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			require.False(t, seen[tc.name], "duplicate case name")
			seen[tc.name] = true
			o := tc.opts()
			o.Now = newClock().Now
			if tc.tweak != nil {
				tc.tweak(&o)
			}
			p := androidsim.New(o)
			got := transcript(tc.argv, run(t, p, tc.argv...))
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create %s", path)
			assert.Equal(t, string(want), got)
		})
	}
}
