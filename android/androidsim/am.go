package androidsim

import (
	"fmt"
	"regexp"
	"strings"
)

// Intent actions the agent uses (domain notes) and the reset ones.
const (
	ActionMiAccount    = "android.settings.XIAOMI_ACCOUNT_SYNC_SETTINGS"
	ActionFindDevice   = "com.xiaomi.action.MICLOUD_FIND_DEVICE_GUIDE"
	ActionSync         = "android.settings.SYNC_SETTINGS"
	ActionMasterClear  = "android.settings.MASTER_CLEAR"
	ActionFactoryReset = "android.intent.action.FACTORY_RESET"
	actionDeviceInfo   = "android.settings.DEVICE_INFO_SETTINGS"
	// showFragment is the extra that makes SubSettings show one page.
	showFragment = ":android:show_fragment"
	// actionMasterClearBroadcast is the pre-O name of the reset broadcast.
	actionMasterClearBroadcast = "android.intent.action.MASTER_CLEAR"

	pkgSettings     = "com.android.settings"
	pkgMiAccount    = "com.xiaomi.account"
	pkgCloudService = "com.miui.cloudservice"
)

// Screen is a screen the agent opened for the person at the phone.
type Screen string

const (
	ScreenMiAccount  Screen = "mi_account"
	ScreenFindDevice Screen = "find_device"
	ScreenAccounts   Screen = "accounts"
	ScreenReset      Screen = "reset"
	// ScreenOther is any other activity; the person ignores it.
	ScreenOther Screen = "other"
)

// resetClass matches the Settings activities that host the factory reset
// screen on AOSP, One UI and MIUI/HyperOS builds.
var resetClass = regexp.MustCompile(`(?i)(MasterClear|MainClear|FactoryReset)`)

func (p *Phone) am(pr *proc, args []string) {
	if len(args) == 0 {
		pr.out("Activity manager (activity) commands:\n  start [options] <INTENT>\n  broadcast [options] <INTENT>\n")
		return
	}
	switch args[0] {
	case "start", "start-activity":
		p.amStart(pr, args[1:])
	case "broadcast":
		p.amBroadcast(pr, args[1:])
	case "force-stop", "kill", "stack", "task", "get-current-user":
		if args[0] == "get-current-user" {
			pr.out("0\n")
		}
	default:
		pr.err("Unknown command: %s\n", args[0])
		pr.code = exitJavaError
	}
}

func amArgError(pr *proc, sub string, err error) {
	pr.err("Exception occurred while executing '%s':\njava.lang.IllegalArgumentException: %v\n", sub, err)
	pr.code = exitJavaError
}

func (p *Phone) amStart(pr *proc, args []string) {
	in, err := parseIntent(args)
	if err != nil {
		amArgError(pr, "start", err)
		return
	}
	pr.out("Starting: %s\n", in.short(0))
	screen, exported, ok := p.resolveActivity(in)
	if !ok {
		if in.component != "" {
			pkg, cls := splitComponent(in.component)
			pr.err("Error type 3\nError: Activity class {%s/%s} does not exist.\n", pkg, cls)
			return
		}
		// am exits 0 here; only the text says the screen did not open.
		pr.err("Error: Activity not started, unable to resolve %s\n", in.short(flagActivityNewTask))
		return
	}
	if !exported && !pr.root {
		denied := fmt.Sprintf("Permission Denial: starting %s from null (pid=%d, uid=2000) not exported from uid 10117",
			in.short(flagActivityNewTask), p.nextPid())
		pr.err("Security exception: %s\n\njava.lang.SecurityException: %s\n", denied, denied)
		pr.err("\tat com.android.server.wm.ActivityTaskSupervisor.checkStartAnyActivityPermission(ActivityTaskSupervisor.java:1201)\n" +
			"\tat com.android.server.wm.ActivityStarter.executeRequest(ActivityStarter.java:1062)\n" +
			"\tat com.android.server.am.ActivityManagerShellCommand.runStartActivity(ActivityManagerShellCommand.java:703)\n")
		pr.code = exitJavaError
		return
	}
	p.openScreenLocked(pr.now, screen, in.short(0))
}

// resolveActivity decides which screen an intent opens, whether the shell
// user may start it (exported), and whether anything handles it at all.
func (p *Phone) resolveActivity(in intent) (screen Screen, exported bool, ok bool) {
	xiaomi := p.id.isXiaomi()
	xiaomiExported := !p.faults.XiaomiIntentsDenied
	if in.component != "" {
		pkg, cls := splitComponent(in.component)
		switch {
		case pkg == pkgSettings && resetClass.MatchString(cls):
			return ScreenReset, true, true
		case pkg == pkgSettings && xiaomi && resetClass.MatchString(in.strings[showFragment]):
			// MIUI shows its reset page as a fragment of SubSettings.
			return ScreenReset, true, true
		case pkg == pkgSettings:
			return ScreenOther, true, true
		case pkg == pkgMiAccount && xiaomi:
			return ScreenMiAccount, xiaomiExported, true
		case pkg == pkgCloudService && xiaomi:
			return ScreenFindDevice, xiaomiExported, true
		}
		return "", false, false
	}
	pkgIs := func(want string) bool { return in.pkg == "" || in.pkg == want }
	switch {
	case in.action == ActionSync && pkgIs(pkgSettings):
		return ScreenAccounts, true, true
	case in.action == ActionMiAccount && xiaomi && pkgIs(pkgMiAccount):
		return ScreenMiAccount, xiaomiExported, true
	case in.action == ActionFindDevice && xiaomi && pkgIs(pkgCloudService):
		return ScreenFindDevice, xiaomiExported, true
	case in.action == ActionMasterClear && pkgIs(pkgSettings):
		return ScreenReset, true, true
	case in.action == actionDeviceInfo && xiaomi && pkgIs(pkgSettings):
		// MIUI and HyperOS keep Factory reset at the bottom of About phone.
		return ScreenReset, true, true
	case strings.HasPrefix(in.action, "android.settings.") && pkgIs(pkgSettings):
		return ScreenOther, true, true
	}
	return "", false, false
}

func (p *Phone) amBroadcast(pr *proc, args []string) {
	in, err := parseIntent(args)
	if err != nil {
		amArgError(pr, "broadcast", err)
		return
	}
	pr.out("Broadcasting: %s\n", in.short(flagReceiverForegound))
	if in.action != ActionFactoryReset && in.action != actionMasterClearBroadcast {
		pr.out("Broadcast completed: result=0\n")
		return
	}
	if !pr.root {
		denied := fmt.Sprintf("Permission Denial: not allowed to send broadcast %s from pid=%d, uid=2000", in.action, p.nextPid())
		pr.err("Security exception: %s\n\njava.lang.SecurityException: %s\n", denied, denied)
		pr.err("\tat com.android.server.am.ActivityManagerService.broadcastIntentLocked(ActivityManagerService.java:14352)\n" +
			"\tat com.android.server.am.ActivityManagerShellCommand.runSendBroadcast(ActivityManagerShellCommand.java:881)\n")
		pr.code = exitJavaError
		return
	}
	pr.out("Broadcast completed: result=0\n")
	// Only the framework's receiver wipes, and since Android O an implicit
	// broadcast no longer reaches it: without -p android nothing happens.
	if in.pkg == "android" {
		p.resetLocked(pr.now, ResetBroadcast)
	}
}
