package broker

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A "$6$" line for user dev6, password secret6 and salt "0123456789ab",
// its hash computed apart: printf 'secret60123456789ab' | openssl dgst
// -sha512 -binary | base64. (Mosquitto admitting such logins is the e2e
// tests' part.)
const mosquittoSHA512Line = "dev6:$6$MDEyMzQ1Njc4OWFi$6/WBpKsDXn93wrkTF3oVbfARtknrr+A36QYjIUYs47j2cAUlB1IITz3A880j0ATa+guke02CrFlvyAwXGTZNeQ=="

func TestMosquittoHashKnownAnswer(t *testing.T) {
	t.Parallel()
	ours := mosquittoHashWithSalt("secret6", []byte("0123456789ab"))
	file, err := MosquittoPasswordFile([]MosquittoLogin{{Username: "dev6", Hash: ours}})
	require.NoError(t, err)
	assert.Equal(t, mosquittoSHA512Line+"\n", string(file))

	fresh, err := MosquittoHash("secret6")
	require.NoError(t, err)
	other, err := MosquittoHash("secret6")
	require.NoError(t, err)
	assert.NotEqual(t, fresh, other, "each hash has its own salt")
	assert.True(t, strings.HasPrefix(fresh, "$6$"))
	assert.Len(t, fresh, len("$6$")+16+1+88)
}

func TestMosquittoPasswordFileRefusesWhatMosquittoMisreads(t *testing.T) {
	t.Parallel()
	hash, err := MosquittoHash("pw")
	require.NoError(t, err)
	tests := []struct {
		name   string
		logins []MosquittoLogin
	}{
		{"colon in username", []MosquittoLogin{{"192.168.1.20:5555", hash}}},
		{"newline in username", []MosquittoLogin{{"a\nb:" + hash + "\nc", hash}}},
		{"comment", []MosquittoLogin{{"#a", hash}}},
		{"empty", []MosquittoLogin{{"", hash}}},
		{"too long", []MosquittoLogin{{strings.Repeat("a", maxMosquittoUsername+1), hash}}},
		{"duplicate", []MosquittoLogin{{"a", hash}, {"a", hash}}},
		{"not a $6$ hash", []MosquittoLogin{{"a", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}}},
		{"a $7$ hash", []MosquittoLogin{{"a", "$7$101$YzDMiotHFhiNY9pH$gZFD3/1V73flTZRItbkN8SvzmZycI9dqmhoXaX90A6szEM9W0l18CAuihAvCYyusD5Ilc8JIwCsV/HXi4TpPtQ=="}}},
		{"hash with a newline", []MosquittoLogin{{"a", hash + "\nb:" + hash}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MosquittoPasswordFile(tc.logins)
			assert.Error(t, err)
		})
	}
}

func TestMosquittoACLText(t *testing.T) {
	t.Parallel()
	acl, err := MosquittoACL("unbind-controller", []string{"unbind/monitor/wall screen"})
	require.NoError(t, err)
	assert.Equal(t, `# Written by unbind from the registry; edits are overwritten.
pattern write unbind/v1/devices/%u/state
pattern write unbind/v1/devices/%u/presence
pattern write unbind/v1/devices/%u/events
pattern read unbind/v1/devices/%u/commands

user unbind-controller
topic read unbind/v1/devices/+/state
topic read unbind/v1/devices/+/presence
topic read unbind/v1/devices/+/events
topic write unbind/v1/devices/+/commands

user unbind/monitor/wall screen
topic read unbind/v1/devices/+/state
topic read unbind/v1/devices/+/presence
topic read unbind/v1/devices/+/events
`, acl)
	_, err = MosquittoACL("ctl:1", nil)
	assert.ErrorIs(t, err, ErrMosquittoUsername)
	_, err = MosquittoACL("ctl", []string{"m\nuser x"})
	assert.ErrorIs(t, err, ErrMosquittoUsername)
}

// FuzzMosquittoPasswordFile: whatever username is accepted comes back, as
// Mosquitto reads a line (up to its first ':'), as exactly that username on
// exactly one line: no name can add or shadow another login.
func FuzzMosquittoPasswordFile(f *testing.F) {
	for _, u := range []string{"dev1", "192.168.1.20:5555", "unbind/monitor/wall screen", "a\nb", "#x", " x", "é", "\x00"} {
		f.Add(u)
	}
	hash := mosquittoHashWithSalt("pw", []byte("0123456789ab"))
	f.Fuzz(func(t *testing.T, username string) {
		file, err := MosquittoPasswordFile([]MosquittoLogin{{Username: username, Hash: hash}})
		if err != nil {
			return
		}
		lines := strings.Split(strings.TrimSuffix(string(file), "\n"), "\n")
		require.Len(t, lines, 1, "username %q", username)
		name, rest, ok := strings.Cut(lines[0], ":")
		require.True(t, ok)
		assert.Equal(t, username, name)
		assert.Equal(t, hash, rest)
		_, err = MosquittoACL("ctl", []string{username})
		assert.NoError(t, err, "a username fit for the password file fits the ACL too")
	})
}
