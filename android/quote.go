package android

import "strings"

// shellQuote quotes s as one word for a POSIX shell (the phone's mksh or
// toybox sh). Words made only of characters no shell treats specially stay
// bare so logs remain readable; everything else is single-quoted, each
// single quote inside becoming
//
//	'\''
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	bare := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("@%+:,./_-", r):
		default:
			bare = false
		}
		if !bare {
			break
		}
	}
	if bare {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellJoin quotes every word of argv and joins them into one command line.
func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
