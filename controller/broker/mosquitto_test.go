package broker

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A line mosquitto_passwd 2.0.11 wrote for user dev1, password secret1.
const mosquittoPasswdLine = "dev1:$7$101$YzDMiotHFhiNY9pH$gZFD3/1V73flTZRItbkN8SvzmZycI9dqmhoXaX90A6szEM9W0l18CAuihAvCYyusD5Ilc8JIwCsV/HXi4TpPtQ=="

func TestMosquittoHashMatchesMosquittoPasswd(t *testing.T) {
	t.Parallel()
	user, hash, ok := strings.Cut(mosquittoPasswdLine, ":")
	require.True(t, ok)
	parts := strings.Split(hash, "$") // "", "7", "101", salt, key
	require.Len(t, parts, 5)
	salt, err := base64.StdEncoding.DecodeString(parts[3])
	require.NoError(t, err)
	ours, err := mosquittoHashWithSalt("secret1", salt)
	require.NoError(t, err)
	assert.Equal(t, hash, ours)

	file, err := MosquittoPasswordFile([]MosquittoLogin{{Username: user, Hash: ours}})
	require.NoError(t, err)
	assert.Equal(t, mosquittoPasswdLine+"\n", string(file))

	fresh, err := MosquittoHash("secret1")
	require.NoError(t, err)
	other, err := MosquittoHash("secret1")
	require.NoError(t, err)
	assert.NotEqual(t, fresh, other, "each hash has its own salt")
	assert.True(t, strings.HasPrefix(fresh, "$7$101$"))
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
		{"not a $7$ hash", []MosquittoLogin{{"a", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}}},
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
