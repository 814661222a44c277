package android

import (
	"bytes"
	"fmt"
	"strings"
)

// ParseContentFlag reads a 0/1 column from `content query --uri URI`, as the
// Xiaomi Find Device provider answers it:
//
//	Row: 0 isLastStatusOpen=1
//
// Only exactly one row holding column with 0 or 1 is an answer. Everything
// else is an error naming what the phone said: a denial, "No result found.",
// no provider, NULL, empty output, or an unrecognized shape.
func ParseContentFlag(out []byte, column string) (bool, error) {
	if blank(out) {
		return false, ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return false, err
	}
	switch {
	case bytes.Contains(out, []byte("Could not find provider")),
		bytes.Contains(out, []byte("Unknown authority")),
		bytes.Contains(out, []byte("Unknown URI")),
		bytes.Contains(out, []byte("Unknown URL")):
		return false, ErrNoProvider
	case bytes.Contains(out, []byte("No result found.")):
		return false, ErrNoResult
	}
	ls, complete := lines(out)
	var values []string
	for _, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		rest, ok := strings.CutPrefix(t, "Row: ")
		if !ok {
			return false, fmt.Errorf("content query %s: %w", column, ErrUnrecognized)
		}
		_, cols, ok := strings.Cut(rest, " ")
		if !ok {
			return false, fmt.Errorf("content query %s: %w", column, truncatedOr(!complete, ErrUnrecognized))
		}
		v, ok := columnValue(cols, column)
		if !ok {
			return false, fmt.Errorf("content query %s: column missing: %w", column, ErrUnrecognized)
		}
		values = append(values, v)
	}
	if len(values) != 1 {
		return false, fmt.Errorf("content query %s: %d rows: %w", column, len(values), ErrUnrecognized)
	}
	switch v := values[0]; {
	case v == "1":
		return true, nil
	case v == "0":
		return false, nil
	case strings.EqualFold(v, "null"):
		return false, fmt.Errorf("content query %s: %w", column, ErrNull)
	default:
		return false, fmt.Errorf("content query %s: value: %w", column, ErrUnrecognized)
	}
}

// columnValue finds "column=value" among the ", "-separated pairs of a row.
// A value may itself hold ", ", so a pair runs until the next ", name=".
func columnValue(cols, column string) (string, bool) {
	key := column + "="
	var start int
	switch {
	case strings.HasPrefix(cols, key):
		start = len(key)
	default:
		i := strings.Index(cols, ", "+key)
		if i < 0 {
			return "", false
		}
		start = i + 2 + len(key)
	}
	v := cols[start:]
	if end := nextPair(v); end >= 0 {
		v = v[:end]
	}
	return v, true
}

// nextPair returns where the next ", name=" starts in s, or -1.
func nextPair(s string) int {
	for i := 0; ; {
		j := strings.Index(s[i:], ", ")
		if j < 0 {
			return -1
		}
		j += i
		name, _, ok := strings.Cut(s[j+2:], "=")
		if ok && name != "" && !strings.ContainsAny(name, " ,") {
			return j
		}
		i = j + 2
	}
}

// ParseContentRows counts the rows of `content query --uri URI`: "No result
// found." is zero rows; a denial, no provider or any line that is not a row
// is an error.
func ParseContentRows(out []byte) (int, error) {
	if blank(out) {
		return 0, ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return 0, err
	}
	switch {
	case bytes.Contains(out, []byte("Could not find provider")),
		bytes.Contains(out, []byte("Unknown authority")),
		bytes.Contains(out, []byte("Unknown URI")),
		bytes.Contains(out, []byte("Unknown URL")):
		return 0, ErrNoProvider
	case strings.TrimSpace(string(out)) == "No result found.":
		return 0, nil
	}
	ls, complete := lines(out)
	rows := 0
	for _, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if !strings.HasPrefix(t, "Row: ") {
			return 0, fmt.Errorf("content query: %w", truncatedOr(!complete, ErrUnrecognized))
		}
		rows++
	}
	if rows == 0 {
		return 0, fmt.Errorf("content query: %w", ErrUnrecognized)
	}
	return rows, nil
}
