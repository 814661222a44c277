package androidsim

import (
	"fmt"
	"strings"
)

// intent is what am builds from its command line.
type intent struct {
	action     string
	data       string
	mime       string
	categories []string
	pkg        string
	component  string
	extras     bool
	// strings holds the --es extras, which can name a Settings fragment.
	strings map[string]string
	user    string
}

// Flags am adds, as Intent.toShortString prints them.
const (
	flagActivityNewTask   = 0x10000000
	flagReceiverForegound = 0x400000
)

// amValueOptions take one value; amPairOptions take a key and a value;
// amSwitches take none.
var (
	amValueOptions = map[string]bool{
		"-a": true, "-d": true, "-t": true, "-i": true, "-c": true, "-n": true, "-p": true, "-f": true,
		"--identifier": true, "--esn": true, "-P": true, "--start-profiler": true, "--sampling": true,
		"-R": true, "--user": true, "--receiver-permission": true, "--display": true,
		"--windowingMode": true, "--activityType": true, "--task": true, "--attach-agent": true,
		"--attach-agent-bind": true,
	}
	amPairOptions = map[string]bool{
		"--es": true, "--ez": true, "--ei": true, "--el": true, "--ef": true, "--ed": true, "--eu": true,
		"--ecn": true, "--eia": true, "--eial": true, "--ela": true, "--elal": true, "--efa": true,
		"--efal": true, "--esa": true, "--esal": true,
	}
	amSwitches = map[string]bool{
		"-D": true, "-N": true, "-W": true, "-S": true, "--streaming": true, "--track-allocation": true,
		"--task-overlay": true, "--lock-task": true, "--allow-background-activity-starts": true,
		"--grant-read-uri-permission": true, "--grant-write-uri-permission": true,
		"--exclude-stopped-packages": true, "--include-stopped-packages": true,
		"--debug-log-resolution": true, "--activity-clear-top": true, "--activity-new-task": true,
		"--activity-single-top": true, "--activity-no-history": true, "--activity-clear-task": true,
		"--receiver-registered-only": true, "--receiver-replace-pending": true,
		"--receiver-foreground": true, "--receiver-no-abort": true, "--selector": true,
	}
)

// parseIntent reads am's options and intent arguments.
func parseIntent(args []string) (intent, error) {
	var in intent
	bare := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case amValueOptions[a]:
			if i+1 >= len(args) {
				return in, fmt.Errorf("Argument expected after \"%s\"", a)
			}
			v := args[i+1]
			i++
			switch a {
			case "-a":
				in.action = v
			case "-d":
				in.data = v
			case "-t":
				in.mime = v
			case "-c":
				in.categories = append(in.categories, v)
			case "-n":
				in.component = v
			case "-p":
				in.pkg = v
			case "--user":
				in.user = v
			case "--esn":
				in.extras = true
			}
		case amPairOptions[a]:
			if i+2 >= len(args) {
				return in, fmt.Errorf("Argument expected after \"%s\"", a)
			}
			in.extras = true
			if a == "--es" {
				if in.strings == nil {
					in.strings = map[string]string{}
				}
				in.strings[args[i+1]] = args[i+2]
			}
			i += 2
		case amSwitches[a]:
		case strings.HasPrefix(a, "-"):
			return in, fmt.Errorf("Unknown option: %s", a)
		default:
			bare++
			if bare > 1 {
				return in, fmt.Errorf("Unexpected argument: %s", a)
			}
			if strings.Contains(a, "/") && !strings.Contains(a, ":") {
				in.component = a
			} else {
				in.data = a
			}
		}
	}
	return in, nil
}

// short formats the intent as Intent.toShortString does inside "Intent { … }".
func (in intent) short(flags int) string {
	var parts []string
	if in.action != "" {
		parts = append(parts, "act="+in.action)
	}
	if len(in.categories) > 0 {
		parts = append(parts, "cat=["+strings.Join(in.categories, ",")+"]")
	}
	if in.data != "" {
		parts = append(parts, "dat="+in.data)
	}
	if in.mime != "" {
		parts = append(parts, "typ="+in.mime)
	}
	if flags != 0 {
		parts = append(parts, fmt.Sprintf("flg=0x%x", flags))
	}
	if in.pkg != "" {
		parts = append(parts, "pkg="+in.pkg)
	}
	if in.component != "" {
		parts = append(parts, "cmp="+in.component)
	}
	if in.extras {
		parts = append(parts, "(has extras)")
	}
	return "Intent { " + strings.Join(parts, " ") + " }"
}

// splitComponent splits "pkg/cls", expanding a class that starts with '.'.
func splitComponent(c string) (pkg, cls string) {
	pkg, cls, _ = strings.Cut(c, "/")
	if strings.HasPrefix(cls, ".") {
		cls = pkg + cls
	}
	return pkg, cls
}
