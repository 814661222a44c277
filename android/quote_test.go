package android

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// unquoteWord reads one word of POSIX shell text made of bare characters and
// single-quoted runs, the only forms shellQuote writes. ok is false for
// anything else, including characters a shell would interpret.
func unquoteWord(s string) (string, bool) {
	var out []byte
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\'':
			j := i + 1
			for j < len(s) && s[j] != '\'' {
				j++
			}
			if j == len(s) {
				return "", false
			}
			out = append(out, s[i+1:j]...)
			i = j + 1
		case c == '\\' && i+1 < len(s) && s[i+1] == '\'':
			out = append(out, '\'')
			i += 2
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '@', c == '%', c == '+', c == ':', c == ',', c == '.', c == '/', c == '_', c == '-':
			out = append(out, c)
			i++
		default:
			return "", false
		}
	}
	return string(out), true
}

// awkwardArgs are words a naive join would break or let the shell reinterpret.
var awkwardArgs = []string{
	"plain", "", "two words", "it's", `"double"`, `back\slash`, "$HOME", "`id`", "$(id)",
	"a;b", "a|b", "a&&b", "*", "?", "~", "{a,b}", "tab\there", "new\nline", "'", "''",
	"Unbind: action needed before reset", "-t", "--", "a=b", "#comment", "!", "李小龙",
}

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"":                "''",
		"plain":           "plain",
		"com.xiaomi":      "com.xiaomi",
		"two words":       "'two words'",
		"it's":            `'it'\''s'`,
		"$(id)":           "'$(id)'",
		"a=b":             "'a=b'",
		"~":               "'~'",
		"{a,b}":           "'{a,b}'",
		"am broadcast -a": "'am broadcast -a'",
	}
	for in, want := range tests {
		assert.Equal(t, want, shellQuote(in), in)
	}
}

func FuzzShellQuote(f *testing.F) {
	for _, s := range awkwardArgs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := shellQuote(s)
		got, ok := unquoteWord(q)
		if !ok || got != s {
			t.Fatalf("quote %q = %q reads back as %q (ok %v)", s, q, got, ok)
		}
	})
}
