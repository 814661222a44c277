package androidsim

import (
	"slices"
	"strings"
	"time"
)

// Notification is a notification posted with cmd notification post.
type Notification struct {
	At    time.Time
	Tag   string
	Title string
	Text  string
}

const notifyUsage = "usage: cmd notification post [flags] <tag> <text>\n"

// cmd answers `cmd notification post` and records `cmd testharness`, which
// wipes the phone into a test mode and must never be used for a resale
// reset.
func (p *Phone) cmd(pr *proc, args []string) {
	if len(args) == 0 {
		pr.err("cmd: No service specified; use -l to list all running services. Use -w to start and wait for a service.\n")
		pr.code = 20
		return
	}
	switch args[0] {
	case "notification":
		p.notification(pr, args[1:])
	case "testharness":
		p.forbidden = appendBounded(p.forbidden, Call{At: pr.now, Argv: slices.Clone(pr.argv)}, maxRecords)
		if len(args) > 1 && args[1] == "enable" {
			p.resetLocked(pr.now, ResetTestHarness)
		}
	default:
		pr.err("cmd: Can't find service: %s\n", args[0])
		pr.code = 20
	}
}

func (p *Phone) notification(pr *proc, args []string) {
	if len(args) == 0 || args[0] != "post" {
		pr.out("%s", notifyUsage)
		pr.code = exitJavaError
		return
	}
	var n Notification
	i := 1
	for ; i < len(args) && strings.HasPrefix(args[i], "-"); i++ {
		switch args[i] {
		case "-v", "--verbose":
		case "-t", "--title", "-i", "--icon", "-I", "--large-icon", "-S", "--style",
			"-c", "--content-intent", "--bigtext", "--big-text", "--picture", "--line",
			"--message", "--conversation":
			if i+1 >= len(args) {
				pr.err("Error: Argument expected after \"%s\"\n", args[i])
				pr.code = exitJavaError
				return
			}
			if args[i] == "-t" || args[i] == "--title" {
				n.Title = args[i+1]
			}
			i++
		default:
			pr.out("%s", notifyUsage)
			return
		}
	}
	if len(args)-i < 2 {
		pr.out("%s", notifyUsage)
		pr.code = exitJavaError
		return
	}
	n.At, n.Tag, n.Text = pr.now, args[i], args[i+1]
	p.notifications = appendBounded(p.notifications, n, maxRecords)
	pr.out("posting:\n  Notification(channel=shell_cmd shortcut=null contentView=null vibrate=null sound=null defaults=0x0 flags=0x10 color=0x00000000 vis=PRIVATE)\n")
}
