package androidsim

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/unbind/unbind/android"
)

const (
	shPath = "/system/bin/sh"
	// maxDepth bounds sh -c and su -c nesting, which a real shell allows but
	// no adapter needs.
	maxDepth = 8
	// exitNotFound is the shell's status for a missing program.
	exitNotFound = 127
	// exitJavaError is what am, settings and cmd exit with after an
	// exception (-1 as a byte).
	exitJavaError = 255
)

// proc is one command being run: its output, exit code and privileges.
type proc struct {
	p      *Phone
	now    time.Time
	argv   []string // what Run was given, for the forbidden-call record
	stdout bytes.Buffer
	stderr bytes.Buffer
	code   int
	hang   bool
	root   bool
	depth  int
}

func (pr *proc) out(format string, args ...any) { fmt.Fprintf(&pr.stdout, format, args...) }
func (pr *proc) err(format string, args ...any) { fmt.Fprintf(&pr.stderr, format, args...) }

func (pr *proc) result() android.Result {
	return android.Result{
		Stdout:   bytes.Clone(pr.stdout.Bytes()),
		Stderr:   bytes.Clone(pr.stderr.Bytes()),
		ExitCode: pr.code,
	}
}

// programs are the programs the simulated shell finds on its PATH (su only
// on rooted phones).
var programs = map[string]bool{
	"getprop": true, "pm": true, "dumpsys": true, "content": true, "settings": true,
	"am": true, "cmd": true, "service": true, "su": true, "id": true, "sh": true,
	"which": true, "echo": true, "whoami": true, "true": true, "false": true,
	"cat": true, "tradeinmode": true,
}

// binDirs are where those programs live.
var binDirs = map[string]bool{
	"/system/bin/": true, "/system/xbin/": true, "/sbin/": true, "/bin/": true,
	"/debug_ramdisk/": true, "/vendor/bin/": true,
}

// resolve returns the program a command word names, or "" when the shell
// would not find it.
func (p *Phone) resolve(name string) string {
	if strings.Contains(name, "/") {
		dir, base := path.Split(name)
		if !binDirs[dir] {
			return ""
		}
		name = base
	}
	if !programs[name] || (name == "su" && !p.rooted) || (name == "tradeinmode" && !p.tradeInMode) {
		return ""
	}
	return name
}

// exec runs argv in pr. The caller holds p.mu.
func (p *Phone) exec(pr *proc, argv []string) {
	if len(argv) == 0 {
		return
	}
	if pr.depth > maxDepth {
		pr.err("%s: too many nested shells\n", shPath)
		pr.code = 1
		return
	}
	args := argv[1:]
	if p.tradeInFoyer && p.resolve(argv[0]) != "tradeinmode" {
		p.tradeInRefused(pr, argv[0])
		return
	}
	switch p.resolve(argv[0]) {
	case "tradeinmode":
		p.tradeinmode(pr, args)
	case "getprop":
		p.getprop(pr, args)
	case "pm":
		p.pm(pr, args)
	case "dumpsys":
		p.dumpsys(pr, args)
	case "content":
		p.content(pr, args)
	case "settings":
		p.settingsCmd(pr, args)
	case "am":
		p.am(pr, args)
	case "cmd":
		p.cmd(pr, args)
	case "service":
		p.service(pr, args)
	case "su":
		p.su(pr, args)
	case "sh":
		p.sh(pr, args)
	case "id":
		p.idCmd(pr, args)
	case "whoami":
		pr.out("%s\n", map[bool]string{true: "root", false: "shell"}[pr.root])
	case "which":
		p.which(pr, args)
	case "echo":
		pr.out("%s\n", strings.Join(args, " "))
	case "cat":
		p.cat(pr, args)
	case "true":
	case "false":
		pr.code = 1
	default:
		pr.err("%s: %s: inaccessible or not found\n", shPath, argv[0])
		pr.code = exitNotFound
	}
}

// sh runs `sh -c STRING`. Anything else is a script file, which the phone
// does not have, or an interactive shell reading an empty stdin.
func (p *Phone) sh(pr *proc, args []string) {
	if len(args) == 0 {
		return
	}
	if args[0] != "-c" {
		pr.err("%s: %s: No such file or directory\n", shPath, args[0])
		pr.code = exitNotFound
		return
	}
	if len(args) < 2 {
		pr.err("%s: -c: option requires an argument\n", shPath)
		pr.code = 1
		return
	}
	p.runLine(pr, args[1], pr.root)
}

// runLine splits a command line and runs it in a child of pr.
func (p *Phone) runLine(pr *proc, line string, root bool) {
	ws, err := splitWords(line)
	if err != nil {
		pr.err("%s: %v\n", shPath, err)
		pr.code = 1
		return
	}
	argv, redir := takeRedirections(ws)
	child := &proc{p: p, now: pr.now, argv: pr.argv, root: root, depth: pr.depth + 1}
	p.exec(child, argv)
	if redir.stderrToStdout {
		child.stdout.Write(child.stderr.Bytes())
		child.stderr.Reset()
	}
	if !redir.dropStdout {
		pr.stdout.Write(child.stdout.Bytes())
	}
	if !redir.dropStderr {
		pr.stderr.Write(child.stderr.Bytes())
	}
	pr.code = child.code
	pr.hang = child.hang
}

// su runs a command as root. It only exists on rooted phones (resolve
// refuses it otherwise). It accepts Magisk's `su -c STRING`, toybox's
// `su 0 CMD ARGS…` and `su root -c STRING`.
func (p *Phone) su(pr *proc, args []string) {
	i := 0
	for i < len(args) {
		switch a := args[i]; {
		case a == "-c" || a == "--command":
			if i+1 >= len(args) {
				pr.err("su: option requires an argument -- c\n")
				pr.code = 2
				return
			}
			p.runLine(pr, strings.Join(args[i+1:], " "), true)
			return
		case a == "-mm" || a == "-M" || a == "--mount-master" || a == "-p" ||
			a == "--preserve-environment" || a == "-l" || a == "--login" || a == "-":
			i++
		case a == "0" || a == "root":
			i++
		case strings.HasPrefix(a, "-"):
			pr.err("su: invalid option -- '%s'\n", strings.TrimLeft(a, "-"))
			pr.code = 2
			return
		default:
			child := &proc{p: p, now: pr.now, argv: pr.argv, root: true, depth: pr.depth + 1}
			p.exec(child, args[i:])
			pr.stdout.Write(child.stdout.Bytes())
			pr.stderr.Write(child.stderr.Bytes())
			pr.code, pr.hang = child.code, child.hang
			return
		}
	}
	// An interactive root shell on an empty stdin exits at once.
}

const (
	idShell = "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb)," +
		"1015(sdcard_rw),1028(sdcard_r),1078(ext_data_rw),1079(ext_obb_rw),3001(net_bt_admin)," +
		"3002(net_bt),3003(inet),3006(net_bw_stats),3009(readproc),3011(uhid),3012(readtracefs) context=u:r:shell:s0"
	idRoot = "uid=0(root) gid=0(root) groups=0(root) context=u:r:magisk:s0"
)

func (p *Phone) idCmd(pr *proc, args []string) {
	switch {
	case len(args) == 1 && args[0] == "-u" && pr.root:
		pr.out("0\n")
	case len(args) == 1 && args[0] == "-u":
		pr.out("2000\n")
	case len(args) > 0:
		pr.err("id: unknown option or user '%s'\n", args[0])
		pr.code = 1
	case pr.root:
		pr.out("%s\n", idRoot)
	default:
		pr.out("%s\n", idShell)
	}
}

func (p *Phone) which(pr *proc, args []string) {
	for _, a := range args {
		if name := p.resolve(a); name != "" && !strings.Contains(a, "/") {
			pr.out("/system/bin/%s\n", name)
			continue
		}
		pr.code = 1
	}
}
