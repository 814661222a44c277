package registry

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

var rebindCases = []struct{ name, in, want string }{
	{"none", `SELECT 1`, `SELECT 1`},
	{"in order", `UPDATE t SET a = ?, b = ? WHERE id = ?`, `UPDATE t SET a = $1, b = $2 WHERE id = $3`},
	{"numbered and repeated", `WHERE a = ?1 AND b = ?2 OR c = ?1`, `WHERE a = $1 AND b = $2 OR c = $1`},
	{"plain after numbered continues from the highest", `WHERE a = ?3 AND b = ?`, `WHERE a = $3 AND b = $4`},
	{"text is left alone", `SELECT '?', "a?b", ? FROM t WHERE x = 'it''s ?'`, `SELECT '?', "a?b", $1 FROM t WHERE x = 'it''s ?'`},
	{"comments are left alone", "SELECT ? -- why?\nFROM t WHERE a = ?", "SELECT $1 -- why?\nFROM t WHERE a = $2"},
	{"unterminated text", `SELECT ? 'abc?`, `SELECT $1 'abc?`},
	{"at the end", `LIMIT ?`, `LIMIT $1`},
	{"question mark zero is a plain one", `a = ?0`, `a = $1`},
}

func TestRebind(t *testing.T) {
	for _, c := range rebindCases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, rebind(c.in))
		})
	}
}

func FuzzRebind(f *testing.F) {
	for _, c := range rebindCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, q string) {
		// Every parameter outside text and comments is rewritten, so a
		// second pass changes nothing.
		once := rebind(q)
		assert.Equal(t, once, rebind(once))
	})
}
