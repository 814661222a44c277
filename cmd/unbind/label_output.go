package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/unbind/unbind/internal/cli"
)

// writeOutput writes data to out ("-": standard output; "": def in the
// current directory) and says on stderr what it wrote.
func writeOutput(io streams, out, def string, data []byte, what string) error {
	if out == "-" {
		_, err := io.Out.Write(data)
		return err
	}
	if out == "" {
		out = def
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	cli.Printf(io.Err, "wrote %s to %s\n", what, out)
	return nil
}

// safeFileName keeps letters, digits, '-', '_' and '.' of a name built from
// IDs, so that it stays one file in the current directory.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}
