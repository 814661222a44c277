package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

// builtinAPI is where `unbind serve` listens by default.
const builtinAPI = "http://127.0.0.1:8080"

func defaultAPI() string {
	if v := os.Getenv("UNBIND_API"); v != "" {
		return v
	}
	return builtinAPI
}

// addAPIFlag adds --api. Given neither --api nor $UNBIND_API, a command
// talks to the controller of the last `unbind login`, else to this
// machine's only local controller (`unbind serve` or `unbind demo` on any
// port), else to the built-in default.
func addAPIFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "api", defaultAPI(), "controller API base URL (env UNBIND_API; default: the last 'unbind login', else this machine's only controller, else "+builtinAPI+")")
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if !cmd.Flags().Changed("api") && os.Getenv("UNBIND_API") == "" {
			*dst = implicitAPI(*dst)
		}
		return nil
	}
}

// implicitAPI is the API a command talks to when none was given: the
// controller the user logged in to last, else pickAPI's choice.
func implicitAPI(def string) string {
	dir, err := cli.ConfigDir()
	if err != nil {
		return def
	}
	if u := cli.LoginAPI(dir); u != "" {
		return u
	}
	return pickAPI(localAPIs(dir), def)
}

// pickAPI is the API a command talks to when none was given: the only local
// controller, or def when there are none or several.
func pickAPI(local []string, def string) string {
	if len(local) == 1 {
		return local[0]
	}
	return def
}

// localAPIsHere is localAPIs of the user's config directory.
func localAPIsHere() []string {
	dir, err := cli.ConfigDir()
	if err != nil {
		return nil
	}
	return localAPIs(dir)
}

// unreachableHint is what a command adds when the controller at base does
// not answer: whether it is running, and the other controllers this machine
// ran, to pass with --api.
func unreachableHint(base string, local []string) string {
	var others []string
	for _, u := range local {
		if k1, err1 := cli.TokenKey(u); err1 == nil {
			if k2, err2 := cli.TokenKey(base); err2 != nil || k1 != k2 {
				others = append(others, u)
			}
		}
	}
	switch len(others) {
	case 0:
		return " (is `unbind serve` running?)"
	case 1:
		return fmt.Sprintf(" (is `unbind serve` running? a controller ran on this machine at %s: --api %s)", others[0], others[0])
	}
	return fmt.Sprintf(" (is `unbind serve` running? controllers ran on this machine at %s: pass one with --api)", strings.Join(others, ", "))
}

func addOutputFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "output", "o", "table", "output format: table or json")
}

func checkOutput(format string) error {
	if format != "table" && format != "json" {
		return fmt.Errorf("%w: --output %q: want table or json", errUsage, format)
	}
	return nil
}

// newAPIClient is the controller's API client with the operator's token
// ($UNBIND_TOKEN, or the one stored for this controller by `unbind login`
// or, on the controller's machine, by `unbind serve`), saying what to do
// when the controller does not answer. A token file that cannot be read is
// left out: the controller then answers 401, which says to log in.
func newAPIClient(base string) *api.Client {
	token, _ := cli.LoadToken(base)
	return api.NewClient(base, nil).WithHint(unreachableHint(base, localAPIsHere())).WithToken(token)
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
