package cli

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes a stored string safe to print on a terminal: every
// character that is not printable (control characters such as newline, ESC
// and NUL, format characters such as right-to-left overrides, invalid
// UTF-8) is written as a Go escape (\n, \x1b, \u202e), so a name cannot
// forge a line of a table or send a terminal command.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

// Printf is fmt.Fprintf with every string argument (and every element of
// a string slice) passed through Escape first: the one way the programs
// print stored strings in tables and lines. The format itself is trusted.
func Printf(w io.Writer, format string, args ...any) {
	for i, a := range args {
		args[i] = escapeArg(a)
	}
	fmt.Fprintf(w, format, args...)
}

func escapeArg(a any) any {
	if err, ok := a.(error); ok {
		return Escape(err.Error())
	}
	v := reflect.ValueOf(a)
	switch v.Kind() {
	case reflect.String:
		return Escape(v.String())
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return a
		}
		out := make([]string, v.Len())
		for i := range out {
			out[i] = Escape(v.Index(i).String())
		}
		return out
	}
	return a
}
