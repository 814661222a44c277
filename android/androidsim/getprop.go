package androidsim

import (
	"fmt"
	"slices"
	"strings"
)

// getprop prints one property (an empty line when unset, or the default
// given as second argument) or, without arguments, every property as sorted
// "[key]: [value]" lines.
func (p *Phone) getprop(pr *proc, args []string) {
	props := p.id.props()
	if p.goingDown != "" && !p.shutdownHidden {
		props["sys.shutdown.requested"] = p.goingDown
		props["sys.powerctl"] = "reboot,recovery"
	}
	switch len(args) {
	case 0:
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			pr.out("[%s]: [%s]\n", k, props[k])
		}
	case 1, 2:
		v, ok := props[args[0]]
		if !ok && len(args) == 2 {
			v = args[1]
		}
		pr.out("%s\n", v)
	default:
		pr.err("getprop: too many arguments\n")
		pr.code = 1
	}
}

// pm answers `pm list users`; other pm commands are not simulated.
func (p *Phone) pm(pr *proc, args []string) {
	if len(args) >= 2 && args[0] == "list" && args[1] == "users" {
		pr.out("%s", p.usersListing())
		return
	}
	if len(args) >= 2 && args[0] == "list" && args[1] == "packages" {
		if out, ok := p.packagesListing(args[2:]); ok {
			pr.out("%s", out)
			return
		}
	}
	if len(args) == 0 {
		pr.err("usage: pm [subcommand] [options]\n")
		pr.code = 1
		return
	}
	pr.err("Unknown command: %s\n", strings.Join(args, " "))
	pr.code = exitJavaError
}

func (p *Phone) usersListing() string {
	var b strings.Builder
	b.WriteString("Users:\n")
	for _, u := range p.users {
		fmt.Fprintf(&b, "\t%s", userInfo(u))
		if u.Running {
			b.WriteString(" running")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// userInfo formats a user as Android's UserInfo.toString does.
func userInfo(u User) string {
	return fmt.Sprintf("UserInfo{%d:%s:%x}", u.ID, u.Name, u.Flags)
}
