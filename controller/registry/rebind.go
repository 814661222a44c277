package registry

import (
	"strconv"
	"strings"
)

// The registry's SQL is written once, with SQLite's positional parameters:
// "?" (the next number) and "?N" (number N, which a query may repeat).
// PostgreSQL numbers its parameters "$N", so the PostgreSQL connection
// rewrites each statement once, when it is prepared (see pgConn), instead
// of every query being written in a dialect of its own. The rewrite follows
// SQLite's own numbering rule: "?" takes the highest number used so far
// plus one. It leaves quoted text alone ('…', "…") and comments, and no
// query of the registry uses a "?" operator of PostgreSQL's.

// rebind rewrites SQLite's ?/?N parameters to PostgreSQL's $N.
func rebind(query string) string {
	if !strings.ContainsRune(query, '?') {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	highest := 0
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			end := closingQuote(query, i)
			b.WriteString(query[i:end])
			i = end
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end
		case c == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			n := highest + 1
			if j > i+1 {
				if v, err := strconv.Atoi(query[i+1 : j]); err == nil && v > 0 {
					n = v
				}
			}
			highest = max(highest, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// closingQuote is the index just past the quoted text starting at query[i];
// a doubled quote inside is part of the text. Unterminated text runs to the
// end (the server reports the error).
func closingQuote(query string, i int) int {
	q := query[i]
	for j := i + 1; j < len(query); j++ {
		if query[j] != q {
			continue
		}
		if j+1 < len(query) && query[j+1] == q {
			j++
			continue
		}
		return j + 1
	}
	return len(query)
}
