package android

import (
	"fmt"
	"strings"
)

// ParsePackages reads `pm list packages` (here with -s, the system
// packages): one "package:NAME" line per package. Any other line, or a
// listing cut in the middle of a line, is not an answer, since a missing
// package would read as "not a system app".
func ParsePackages(out []byte) (map[string]bool, error) {
	if blank(out) {
		return nil, ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return nil, err
	}
	ls, complete := lines(out)
	if !complete {
		return nil, fmt.Errorf("pm list packages: %w", ErrTruncated)
	}
	pkgs := map[string]bool{}
	for i, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		name, ok := strings.CutPrefix(t, "package:")
		if !ok || !validAccountType(name) {
			return nil, fmt.Errorf("pm list packages: line %d: %w", i+1, ErrUnrecognized)
		}
		pkgs[name] = true
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("pm list packages: no package: %w", ErrUnrecognized)
	}
	return pkgs, nil
}
