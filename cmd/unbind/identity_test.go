package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/registry"
)

// runRoot runs the real `unbind` command line and returns its output.
func runRoot(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.Execute()
	return out.String() + errOut.String(), err
}

// TestEnrollDeviceReplaceRevokeBackup drives the new commands against a
// real controller: enroll --device, enroll --replace, device revoke,
// monitor revoke, and backup (the copy opens and holds the devices).
func TestEnrollDeviceReplaceRevokeBackup(t *testing.T) {
	ctx := context.Background()
	c := startAuthed(t)
	enroll := func(args ...string) (api.EnrollmentToken, error) {
		out, err := runRoot(t, append([]string{"enroll", "--api", c.APIURL(), "-o", "json"}, args...)...)
		if err != nil {
			return api.EnrollmentToken{}, err
		}
		var tok api.EnrollmentToken
		require.NoError(t, json0(out, &tok), out)
		return tok, nil
	}
	tok, err := enroll("--device", "phone-1")
	require.NoError(t, err)
	_, err = agent.Enroll(ctx, nil, c.APIURL(), tok.Token, "phone-2")
	assert.ErrorIs(t, err, agent.ErrEnrollRefused, "a token for phone-1 enrolls no other ID")
	_, err = agent.Enroll(ctx, nil, c.APIURL(), tok.Token, "phone-1")
	require.NoError(t, err)

	_, err = enroll("--device", "phone-1")
	assert.ErrorContains(t, err, "already enrolled")
	_, err = enroll("--ttl", "721h")
	assert.ErrorContains(t, err, "30 days")

	out, err := runRoot(t, "device", "revoke", "phone-1", "--api", c.APIURL())
	require.NoError(t, err, out)
	cred, err := c.Registry().CredentialByUsername(ctx, "phone-1")
	require.NoError(t, err)
	assert.False(t, cred.RevokedAt.IsZero())

	tok, err = enroll("--replace", "phone-1", "--note", "agent reinstalled")
	require.NoError(t, err)
	_, err = agent.Enroll(ctx, nil, c.APIURL(), tok.Token, "phone-1")
	require.NoError(t, err)
	es, err := c.Registry().Enrollments(ctx, "phone-1")
	require.NoError(t, err)
	require.Len(t, es, 2)
	assert.True(t, es[1].Replaced)
	assert.Contains(t, es[1].MintedBy, "operator:test-admin-", "minted by the authenticated operator")
	assert.Equal(t, "agent reinstalled", es[1].Note)

	out, err = runRoot(t, "monitor", "screen", "--api", c.APIURL())
	require.NoError(t, err, out)
	out, err = runRoot(t, "monitor", "revoke", "screen", "--api", c.APIURL())
	require.NoError(t, err, out)
	_, err = runRoot(t, "monitor", "revoke", "nobody", "--api", c.APIURL())
	assert.Error(t, err)

	dest := filepath.Join(t.TempDir(), "copy.db")
	out, err = runRoot(t, "backup", dest, "--api", c.APIURL())
	require.NoError(t, err, out)
	_, err = runRoot(t, "backup", dest, "--api", c.APIURL())
	assert.Error(t, err, "an existing file is never overwritten")
	fi, err := os.Stat(dest)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	copyReg, err := registry.Open(ctx, dest, registry.Options{})
	require.NoError(t, err)
	defer copyReg.Close()
	got, err := copyReg.CredentialByUsername(ctx, "phone-1")
	require.NoError(t, err)
	assert.True(t, got.RevokedAt.IsZero(), "the copy holds the replaced credentials")
}

func json0(s string, v any) error { return json.Unmarshal([]byte(s), v) }
