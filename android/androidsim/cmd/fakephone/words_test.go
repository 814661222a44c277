package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quoteWord quotes s as one shell word, the way android.ADB does for words
// that need it.
func quoteWord(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var splitCases = []struct {
	name string
	line string
	want []string
	err  bool
}{
	{"plain", "getprop ro.product.model", []string{"getprop", "ro.product.model"}, false},
	{"blanks", "  pm\tlist   users \n", []string{"pm", "list", "users"}, false},
	{"single quoted", `su -c 'dumpsys account'`, []string{"su", "-c", "dumpsys account"}, false},
	{"quote in single quotes", `echo 'it'\''s'`, []string{"echo", "it's"}, false},
	{"double quoted", `cmd notification post -t "Sign \"out\" \$now" tag`, []string{"cmd", "notification", "post", "-t", `Sign "out" $now`, "tag"}, false},
	{"backslash", `echo a\ b`, []string{"echo", "a b"}, false},
	{"empty word", `echo '' x`, []string{"echo", "", "x"}, false},
	{"cjk", `echo '机主 空间'`, []string{"echo", "机主 空间"}, false},
	{"operators stay words", `a && b >/dev/null 2>&1 &`, []string{"a", "&&", "b", ">/dev/null", "2>&1", "&"}, false},
	{"empty", "", nil, false},
	{"unterminated single", `echo 'x`, nil, true},
	{"unterminated double", `echo "x`, nil, true},
}

func TestSplitWords(t *testing.T) {
	for _, tc := range splitCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitWords(tc.line)
			if tc.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// FuzzSplitWords: any line splits without panicking, and words quoted as
// android.ADB quotes them come back unchanged.
func FuzzSplitWords(f *testing.F) {
	for _, tc := range splitCases {
		f.Add(tc.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := splitWords(line)
		if err != nil {
			return
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = quoteWord(w)
		}
		again, err := splitWords(strings.Join(quoted, " "))
		require.NoError(t, err)
		if len(words) == 0 {
			assert.Empty(t, again)
			return
		}
		assert.Equal(t, words, again)
	})
}
