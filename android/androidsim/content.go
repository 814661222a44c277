package androidsim

import (
	"fmt"
	"slices"
	"strings"
)

// FindDeviceAuthority is the Xiaomi Find Device status provider.
const FindDeviceAuthority = "com.xiaomi.finddevice.provider"

// HeyTapAuthority is the HeyTap (OPPO) account provider; PackageHeyTapFind
// is ColorOS's Find My Phone, present on builds where it is the lock.
const (
	HeyTapAuthority   = "com.oppo.usercenter.accountinfo"
	PackageHeyTapFind = "com.coloros.findmyphone"
)

const contentUsage = `usage: adb shell content [subcommand] [options]

usage: adb shell content query --uri <URI> [--user <USER_ID>] [--projection <PROJECTION>] [--where <WHERE>] [--sort <SORT_ORDER>]
`

// content answers `content query --uri URI`. Like the real tool it reports
// provider errors on stderr and still exits 0.
func (p *Phone) content(pr *proc, args []string) {
	if len(args) == 0 {
		p.contentUsage(pr, "No command specified")
		return
	}
	if args[0] != "query" {
		p.contentUsage(pr, "Unsupported operation: "+args[0])
		return
	}
	var uri string
	for i := 1; i < len(args); i++ {
		switch args[i] {
		case "--uri", "--user", "--projection", "--where", "--sort":
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "--") {
				p.contentUsage(pr, "No value for argument: "+args[i])
				return
			}
			if args[i] == "--uri" {
				uri = args[i+1]
			}
			i++
		default:
			p.contentUsage(pr, "Unsupported argument: "+args[i])
			return
		}
	}
	if uri == "" {
		p.contentUsage(pr, "Content provider URI not specified. Did you specify --uri argument?")
		return
	}
	authority, column := splitContentURI(uri)
	if authority == HeyTapAuthority {
		p.heyTapQuery(pr, authority)
		return
	}
	if authority != FindDeviceAuthority || !p.id.isXiaomi() || p.faults.FindDevice == ProviderAbsent {
		p.providerError(pr, authority, "java.lang.IllegalStateException: Could not find provider: "+authority, false)
		return
	}
	access := p.faults.FindDevice
	if access == ProviderDenied && pr.root {
		access = ProviderOpen
	}
	switch access {
	case ProviderDenied:
		pid := p.nextPid()
		p.providerError(pr, authority, fmt.Sprintf("java.lang.SecurityException: Permission Denial: opening provider "+
			"com.xiaomi.finddevice.FindDeviceStatusProvider from ProcessRecord{%x %d:com.android.commands.content/2000} "+
			"(pid=%d, uid=2000) requires com.xiaomi.finddevice.permission.ACCESS_FIND_DEVICE_STATUS or "+
			"com.xiaomi.finddevice.permission.ACCESS_FIND_DEVICE_STATUS", int64(pid)*2654435761&0xfffffff, pid, pid), true)
	case ProviderHangs:
		pr.hang = true
	case ProviderNoResult:
		pr.out("No result found.\n")
	case ProviderNull:
		pr.out("Row: 0 %s=NULL\n", column)
	default:
		switch column {
		case "isLastStatusOpen", "isOpen":
			pr.out("Row: 0 %s=%s\n", column, boolDigit(p.findDevice))
		case "isLocked":
			pr.out("Row: 0 %s=%s\n", column, boolDigit(p.lostMode))
		default:
			pr.out("No result found.\n")
		}
	}
}

func (p *Phone) contentUsage(pr *proc, msg string) {
	pr.out("\n[ERROR] %s\n\n%s", msg, contentUsage)
}

// providerError prints what the content tool prints when the provider call
// throws: a line naming the provider, then the exception's stack trace.
func (p *Phone) providerError(pr *proc, authority, exception string, remote bool) {
	pr.err("Error while accessing provider:%s\n%s\n", authority, exception)
	if remote {
		pr.err("\tat android.os.Parcel.createExceptionOrNull(Parcel.java:3057)\n" +
			"\tat android.os.Parcel.createException(Parcel.java:3041)\n" +
			"\tat android.os.Parcel.readException(Parcel.java:3024)\n" +
			"\tat android.os.Parcel.readException(Parcel.java:2966)\n" +
			"\tat android.app.IActivityManager$Stub$Proxy.getContentProviderExternal(IActivityManager.java:7386)\n")
	}
	pr.err("\tat com.android.commands.content.Content$Command.execute(Content.java:615)\n" +
		"\tat com.android.commands.content.Content.main(Content.java:856)\n" +
		"\tat com.android.internal.os.RuntimeInit.nativeFinishInit(Native Method)\n" +
		"\tat com.android.internal.os.RuntimeInit.main(RuntimeInit.java:355)\n")
}

// splitContentURI returns the authority of content://AUTHORITY/PATH and the
// last path segment, which the Find Device provider answers as its column.
func splitContentURI(uri string) (authority, last string) {
	rest, ok := strings.CutPrefix(uri, "content://")
	if !ok {
		return "", ""
	}
	authority, path, _ := strings.Cut(rest, "/")
	path = strings.Trim(path, "/")
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		path = path[i+1:]
	}
	return authority, path
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// heyTapQuery answers a query of the HeyTap account provider on an OPPO
// phone that has HeyTap's Find My Phone; elsewhere there is no provider.
func (p *Phone) heyTapQuery(pr *proc, authority string) {
	if !p.id.isOPPO() || !slices.Contains(p.systemPackages(), PackageHeyTapFind) {
		p.providerError(pr, authority, "java.lang.IllegalStateException: Could not find provider: "+authority, false)
		return
	}
	access := p.faults.HeyTapProvider
	if access == ProviderDenied && pr.root {
		access = ProviderOpen
	}
	switch access {
	case ProviderDenied:
		pid := p.nextPid()
		p.providerError(pr, authority, fmt.Sprintf("java.lang.SecurityException: Permission Denial: opening provider "+
			"com.heytap.usercenter.provider.AccountInfoProvider from ProcessRecord{%x %d:com.android.commands.content/2000} "+
			"(pid=%d, uid=2000) that is not exported from UID 10088", int64(pid)*2654435761&0xfffffff, pid, pid), true)
	case ProviderHangs:
		pr.hang = true
	default:
		if p.heyTapAccount {
			pr.out("Row: 0 _id=1, hasLogin=1\n")
		} else {
			pr.out("No result found.\n")
		}
	}
}
