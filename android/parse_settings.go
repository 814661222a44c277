package android

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// ParseSetting reads the answer of `settings get NAMESPACE KEY`: one line with
// the value, or "null" when the key is unset (ErrNull). A denial, an
// exception, empty output or more than one line is an error.
func ParseSetting(out []byte) (string, error) {
	if blank(out) {
		return "", ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return "", err
	}
	if bytes.Contains(out, []byte("Exception")) || bytes.Contains(out, []byte("Invalid namespace")) {
		return "", fmt.Errorf("settings get: %w", ErrUnrecognized)
	}
	var value []string
	ls, _ := lines(out)
	for _, l := range ls {
		if t := strings.TrimSpace(l); t != "" {
			value = append(value, t)
		}
	}
	if len(value) != 1 {
		return "", fmt.Errorf("settings get: %d lines: %w", len(value), ErrUnrecognized)
	}
	if value[0] == "null" {
		return "", ErrNull
	}
	return value[0], nil
}

// ParseSettingInt is ParseSetting for integer settings.
func ParseSettingInt(out []byte) (int64, error) {
	v, err := ParseSetting(out)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("settings get: not an integer: %w", ErrUnrecognized)
	}
	return n, nil
}
