package androidsim

import (
	"fmt"
	"strings"
)

// word is one word of a shell command line. quoted words are never taken as
// redirections.
type word struct {
	text   string
	quoted bool
}

// unmatchedError is a quote left open; mksh refuses the whole line.
type unmatchedError struct{ quote byte }

func (e unmatchedError) Error() string { return fmt.Sprintf("syntax error: '%c' unmatched", e.quote) }

// splitWords splits a command line the way a POSIX shell splits words, with
// single quotes, double quotes and backslashes, and nothing else: no
// variables, globbing, pipes or command lists. It is what the simulated
// `sh -c` and `su -c` need, since adapters quote each argument.
func splitWords(s string) ([]word, error) {
	var (
		words  []word
		cur    strings.Builder
		inWord bool
		quoted bool
		flush  = func() {
			if inWord {
				words = append(words, word{text: cur.String(), quoted: quoted})
			}
			cur.Reset()
			inWord, quoted = false, false
		}
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\n':
			flush()
		case '\\':
			inWord = true
			if i+1 < len(s) {
				i++
				if s[i] != '\n' {
					cur.WriteByte(s[i])
				}
			} else {
				cur.WriteByte(c)
			}
		case '\'':
			inWord, quoted = true, true
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, unmatchedError{quote: c}
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case '"':
			inWord, quoted = true, true
			closed := false
			for i++; i < len(s); i++ {
				d := s[i]
				if d == '"' {
					closed = true
					break
				}
				if d == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
					i++
					if s[i] != '\n' {
						cur.WriteByte(s[i])
					}
					continue
				}
				cur.WriteByte(d)
			}
			if !closed {
				return nil, unmatchedError{quote: c}
			}
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	flush()
	return words, nil
}

// redirections are the few redirection words the simulated shell honours.
type redirections struct {
	stderrToStdout bool
	dropStdout     bool
	dropStderr     bool
}

// takeRedirections removes unquoted redirection words from ws.
func takeRedirections(ws []word) ([]string, redirections) {
	var r redirections
	argv := make([]string, 0, len(ws))
	for _, w := range ws {
		if !w.quoted {
			switch w.text {
			case "2>&1":
				r.stderrToStdout = true
				continue
			case ">/dev/null", "1>/dev/null":
				r.dropStdout = true
				continue
			case "2>/dev/null":
				r.dropStderr = true
				continue
			case "</dev/null":
				continue
			}
		}
		argv = append(argv, w.text)
	}
	return argv, r
}
