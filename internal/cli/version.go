package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// AddVersionFlag gives root a --version flag that prints line to out. It
// stands in for cobra's own (the Version field), whose output goes through
// text/template: linking that keeps every exported method in the binary,
// about 1.9 MB more on the phone.
func AddVersionFlag(root *cobra.Command, out io.Writer, line string) {
	show := root.Flags().Bool("version", false, "print the version and exit")
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		if *show {
			_, err := fmt.Fprintln(out, line)
			return err
		}
		return cmd.Help()
	}
}
