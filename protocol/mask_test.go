package protocol

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

var maskCases = []struct{ in, want string }{
	{"", ""},
	{"jane.doe@gmail.com", "ja***@gmail.com"},
	{"2807000558", "28***58"},
	{"abc", "a***"},
	{"abcd", "ab***"},
	{"张伟, Jr.", "张伟***r."},
	{"ja***@gmail.com", "ja***@gmail.com"},
	{"a***", "a***"},
	{"28***58", "28***58"},
	{"***@x.com", "_***@x.com"},
	{"a@b@c.com", "a_***om"},
	{"abcdef*@", "ab***__"},
	{"jane***doe@x.com", "ja***@x.com"},
}

func TestMaskAccountName(t *testing.T) {
	for _, tc := range maskCases {
		got := MaskAccountName(tc.in)
		assert.Equal(t, tc.want, got, "mask %q", tc.in)
		assert.Equal(t, got, MaskAccountName(got), "masking %q twice", tc.in)
	}
}

func TestMaskAddresses(t *testing.T) {
	assert.Equal(t, "signed in as ja***@example.com (google)", MaskAddresses("signed in as jane.doe@example.com (google)"))
	assert.Equal(t, "no address here", MaskAddresses("no address here"))
}

// FuzzMaskAccountName: a mask never grows what it shows, and masking a
// masked name changes nothing.
func FuzzMaskAccountName(f *testing.F) {
	for _, tc := range maskCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, name string) {
		m := MaskAccountName(name)
		if MaskAccountName(m) != m {
			t.Fatalf("mask of %q is %q, masked again %q", name, m, MaskAccountName(m))
		}
	})
}
