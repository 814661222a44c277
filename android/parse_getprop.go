package android

import (
	"fmt"
	"strings"
)

// ParseGetprop parses the listing `getprop` prints with no argument:
//
//	[ro.product.model]: [Redmi Note 12]
//
// A value may span lines; it then ends at the first line ending in "]".
// Lines that are not properties are skipped, but output with no property at
// all is unrecognized.
func ParseGetprop(out []byte) (map[string]string, error) {
	if blank(out) {
		return nil, ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return nil, err
	}
	ls, complete := lines(out)
	props := map[string]string{}
	for i := 0; i < len(ls); i++ {
		key, value, ok := strings.Cut(ls[i], "]: [")
		if !ok || !strings.HasPrefix(key, "[") {
			continue
		}
		key = key[1:]
		j := i
		for !strings.HasSuffix(value, "]") && j+1 < len(ls) {
			j++
			value += "\n" + ls[j]
		}
		if !strings.HasSuffix(value, "]") {
			// The last value was cut; earlier properties are still good.
			break
		}
		props[key] = strings.TrimSuffix(value, "]")
		i = j
	}
	if len(props) == 0 {
		return nil, fmt.Errorf("getprop: %w", truncatedOr(!complete, ErrUnrecognized))
	}
	return props, nil
}

// ParseGetpropValue reads `getprop KEY`: the value, or an empty string when
// the property is not set.
func ParseGetpropValue(out []byte) (string, error) {
	if err := denial(out); err != nil {
		return "", err
	}
	ls, _ := lines(out)
	var value []string
	for _, l := range ls {
		if t := strings.TrimSpace(l); t != "" {
			value = append(value, t)
		}
	}
	if len(value) > 1 {
		return "", fmt.Errorf("getprop: %d lines: %w", len(value), ErrUnrecognized)
	}
	if len(value) == 0 {
		return "", nil
	}
	return value[0], nil
}
