package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

func defaultAPI() string {
	if v := os.Getenv("UNBIND_API"); v != "" {
		return v
	}
	return "http://127.0.0.1:8080"
}

func addAPIFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "api", defaultAPI(), "controller API base URL (env UNBIND_API)")
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
	return api.NewClient(base, nil).WithHint(" (is `unbind serve` running?)").WithToken(token)
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
