package protocol

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testKey is fixed so that fuzz seeds and failures are reproducible.
func testKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed([]byte(strings.Repeat(string(rune('a'+seed)), ed25519.SeedSize)))
}

func testCommand() Command {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	return Command{V: Version, ID: "c-1", DeviceID: "f1a2b3c4", Kind: CommandFactoryReset,
		IssuedAt: at, ExpiresAt: at.Add(5 * time.Minute)}
}

func TestVerifyCommand(t *testing.T) {
	key := testKey(0)
	pub := key.Public().(ed25519.PublicKey)
	signed := SignCommand(testCommand(), key)
	require.NotEmpty(t, signed.Sig)

	tamper := func(f func(*Command)) Command {
		c := signed
		f(&c)
		return c
	}
	tests := []struct {
		name string
		cmd  Command
		pub  ed25519.PublicKey
		ok   bool
	}{
		{"signed", signed, pub, true},
		{"unsigned", testCommand(), pub, false},
		{"other key", signed, testKey(1).Public().(ed25519.PublicKey), false},
		{"no key", signed, nil, false},
		{"short key", signed, pub[:10], false},
		{"sig not base64", tamper(func(c *Command) { c.Sig = "!!!" }), pub, false},
		{"sig truncated", tamper(func(c *Command) { c.Sig = c.Sig[:40] }), pub, false},
		{"re-addressed", tamper(func(c *Command) { c.DeviceID = "other" }), pub, false},
		{"other id", tamper(func(c *Command) { c.ID = "c-2" }), pub, false},
		{"other kind", tamper(func(c *Command) { c.Kind = CommandRefresh }), pub, false},
		{"target added", tamper(func(c *Command) { c.Target = "c-0" }), pub, false},
		{"expiry extended", tamper(func(c *Command) { c.ExpiresAt = c.ExpiresAt.Add(time.Hour) }), pub, false},
		{"issued moved", tamper(func(c *Command) { c.IssuedAt = c.IssuedAt.Add(time.Second) }), pub, false},
		{"same instant, other zone", tamper(func(c *Command) { c.IssuedAt = c.IssuedAt.In(time.FixedZone("x", 3600)) }), pub, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyCommand(tc.cmd, tc.pub)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrBadSignature)
		})
	}
}

// TestSignedCommandSurvivesTheWire: what the agent decodes verifies, also
// when the controller's times carry a monotonic reading or a local zone.
func TestSignedCommandSurvivesTheWire(t *testing.T) {
	key := testKey(0)
	pub := key.Public().(ed25519.PublicKey)
	now := time.Now()
	for _, cmd := range []Command{
		testCommand(),
		{V: Version, ID: "c-9", DeviceID: "x1", Kind: CommandCancel, Target: "c-8", IssuedAt: now, ExpiresAt: now.Add(time.Minute)},
		{V: Version, ID: "c-10", DeviceID: "x1", Kind: CommandRefresh, IssuedAt: now.In(time.FixedZone("CET", 3600)), ExpiresAt: now.Add(time.Minute)},
	} {
		b, err := Encode(SignCommand(cmd, key))
		require.NoError(t, err)
		got, err := DecodeCommand(b)
		require.NoError(t, err)
		assert.NoError(t, VerifyCommand(got, pub), "%s", b)
	}
}

// TestSignatureIsBoundToCommands: the same key signing the same JSON in
// another context (a certificate, say) does not yield a command signature.
func TestSignatureIsBoundToCommands(t *testing.T) {
	key := testKey(0)
	cmd := testCommand()
	msg, err := CommandSigningBytes(cmd)
	require.NoError(t, err)
	raw := msg[len(commandSigContext):]
	cmd.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(key, raw))
	assert.ErrorIs(t, VerifyCommand(cmd, key.Public().(ed25519.PublicKey)), ErrBadSignature)
}

func TestSignCommandWithoutUsableKeyLeavesItUnsigned(t *testing.T) {
	assert.Empty(t, SignCommand(testCommand(), nil).Sig)
	bad := testCommand()
	bad.IssuedAt = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Empty(t, SignCommand(bad, testKey(0)).Sig)
}

// FuzzVerifyCommand: whatever arrives, verification never panics, and only
// a command signed by the key passes.
func FuzzVerifyCommand(f *testing.F) {
	key := testKey(0)
	pub := key.Public().(ed25519.PublicKey)
	for _, tc := range wireCases {
		if tc.decoder == "command" {
			f.Add([]byte(tc.payload))
		}
	}
	b, err := Encode(SignCommand(testCommand(), key))
	require.NoError(f, err)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		cmd, err := DecodeCommand(b)
		if err != nil {
			return
		}
		if VerifyCommand(cmd, pub) != nil {
			return
		}
		// It verified: it must be exactly a command this test signed.
		assert.Equal(t, SignCommand(cmd, key).Sig, cmd.Sig)
	})
}
