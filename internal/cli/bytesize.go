package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseByteSize reads a size such as "1.5GiB", "800MiB", "64KiB" or a plain
// number of bytes. Units are binary; "GB" and the like are refused rather
// than guessed.
func ParseByteSize(s string) (int64, error) {
	num := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v*float64(mult) >= 1<<62 {
		return 0, fmt.Errorf("memory size %q: want a number of bytes with an optional KiB, MiB, GiB or TiB, such as 1.5GiB", s)
	}
	return int64(v * float64(mult)), nil
}
