package android

import (
	"bytes"
	"strings"
)

// lines splits command output into lines without their line ends. Output that
// went through a pseudo-terminal (old adb) ends lines with "\r\n", so a
// trailing "\r" is dropped too. complete reports whether the output ends with
// a line end, i.e. was not cut in the middle of a line.
func lines(out []byte) (ls []string, complete bool) {
	if len(out) == 0 {
		return nil, true
	}
	complete = out[len(out)-1] == '\n'
	s := string(out)
	if complete {
		s = s[:len(s)-1]
	}
	ls = strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls, complete
}

// blank reports whether out holds nothing but white space.
func blank(out []byte) bool {
	return len(bytes.TrimSpace(out)) == 0
}
