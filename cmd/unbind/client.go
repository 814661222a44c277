package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
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

// newAPIClient is the controller's API client, saying what to do when the
// controller does not answer.
func newAPIClient(base string) *api.Client {
	return api.NewClient(base, nil).WithHint(" (is `unbind serve` running?)")
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
