// Package clitest helps the programs' tests: it checks documentation
// against a program's command tree (every command line the README or docs/*.md shows must
// name commands and flags that exist), and SyncBuffer is the output a test
// reads while a program is still writing it.
package clitest

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// CommandLines returns the lines of doc's sh code blocks that run prog
// (directly, through `go run ./cmd/PROG`, or pushed to a phone and run over
// `adb shell`), each cut to the command itself: from prog's arguments to the
// first comment, pipe, redirection or command separator.
func CommandLines(doc []byte, prog string) [][]string {
	var out [][]string
	inSh := false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "```") {
			inSh = !inSh && strings.TrimPrefix(line, "```") == "sh"
			continue
		}
		if !inSh {
			continue
		}
		if args, ok := argsOf(strings.Fields(line), prog); ok {
			out = append(out, args)
		}
	}
	return out
}

// argsOf finds prog in words and returns the arguments after it.
func argsOf(words []string, prog string) ([]string, bool) {
	for i, w := range words {
		if w == "#" || strings.HasPrefix(w, "#") {
			return nil, false
		}
		if w == prog || strings.HasSuffix(w, "/"+prog) || w == "./cmd/"+prog {
			if i > 0 && strings.HasSuffix(words[i-1], "push") {
				return nil, false // adb push of the binary, not a run of it
			}
			var args []string
			for _, a := range words[i+1:] {
				if strings.HasPrefix(a, "#") || strings.ContainsAny(a[:1], "|>;&<") {
					break
				}
				args = append(args, a)
			}
			return args, true
		}
	}
	return nil, false
}

// Check walks root's tree along args and says what does not exist: a
// subcommand, or a flag of the command reached. Words in optional name
// subcommands that builds may leave out (behind build tags); a line using an
// absent one is not checked further.
func Check(root *cobra.Command, args []string, optional ...string) error {
	cmd := root
	positional := false
	for i := 0; i < len(args); i++ {
		a := strings.Trim(args[i], `"'`)
		switch {
		case a == "--":
			return nil
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			if name == "help" || name == "version" && cmd == root {
				continue
			}
			f := cmd.Flags().Lookup(name)
			if f == nil {
				f = cmd.InheritedFlags().Lookup(name)
			}
			if f == nil {
				return fmt.Errorf("%s: no flag --%s", cmd.CommandPath(), name)
			}
			if !hasValue && f.Value.Type() != "bool" {
				i++ // the flag's value
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			short := a[1:2]
			if short == "h" {
				continue
			}
			f := cmd.Flags().ShorthandLookup(short)
			if f == nil {
				f = cmd.InheritedFlags().ShorthandLookup(short)
			}
			if f == nil {
				return fmt.Errorf("%s: no flag -%s", cmd.CommandPath(), short)
			}
			if len(a) == 2 && f.Value.Type() != "bool" {
				i++
			}
		case positional || !cmd.HasSubCommands():
			positional = true
		default:
			next := findSub(cmd, a)
			if next == nil {
				for _, o := range optional {
					if cmd == root && a == o {
						return nil
					}
				}
				// cobra refuses an unknown word after a root that has
				// subcommands (even a runnable one, such as a root
				// that prints its version) unless the root declares Args.
				takesArgs := cmd.Runnable() && (cmd.HasParent() || cmd.Args != nil)
				if takesArgs || strings.ContainsAny(a, "<>$/.") || strings.ToUpper(a) == a {
					// an argument of a command that takes some (monitor
					// NAME), or a placeholder such as ID or <ID>
					positional = true
					continue
				}
				return fmt.Errorf("%s: no subcommand %q", cmd.CommandPath(), a)
			}
			cmd = next
		}
	}
	return nil
}

func findSub(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
}
