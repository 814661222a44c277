package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/keys"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/protocol"
)

func TestAuditCertFlags(t *testing.T) {
	noLocalController(t)
	run := func(args ...string) (any, error) {
		var got any
		io, _, _ := testStreams()
		root := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
		for _, c := range root.Commands() {
			root.RemoveCommand(c)
		}
		cert := newCertCmd(io, func(_ context.Context, o *certOptions) error { got = *o; return nil })
		cert.RemoveCommand(cert.Commands()...)
		cert.AddCommand(newCertVerifyCmd(io, func(_ context.Context, o *certVerifyOptions) error { got = *o; return nil }))
		root.AddCommand(newAuditCmd(io, func(_ context.Context, o *auditOptions) error { got = *o; return nil }), cert)
		root.SetArgs(args)
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		return got, root.Execute()
	}
	tests := []struct {
		args    []string
		want    any
		wantErr bool
	}{
		{[]string{"audit"}, auditOptions{API: "http://127.0.0.1:8080", Output: "table", Limit: 100}, false},
		{[]string{"audit", "P1", "--limit", "0", "-o", "json"}, auditOptions{API: "http://127.0.0.1:8080", Output: "json", ID: "P1"}, false},
		{[]string{"audit", "--all"}, auditOptions{API: "http://127.0.0.1:8080", Output: "table", Limit: 100, All: true}, false},
		{[]string{"audit", "--limit", "-1"}, nil, true},
		{[]string{"audit", "a", "b"}, nil, true},
		{[]string{"cert", "P1"}, certOptions{API: "http://127.0.0.1:8080", ID: "P1", OutDir: "."}, false},
		{[]string{"cert", "P1", "--out", "d", "--note", "for bo"}, certOptions{API: "http://127.0.0.1:8080", ID: "P1", OutDir: "d", Note: "for bo"}, false},
		{[]string{"cert"}, nil, true},
		{[]string{"cert", "verify", "f.json", "--key", "k.pub"}, certVerifyOptions{File: "f.json", Key: "k.pub"}, false},
		{[]string{"cert", "verify", "f.json"}, certVerifyOptions{File: "f.json"}, false},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got, err := run(tc.args...)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// released puts a phone through a finished release directly in the registry.
func released(t *testing.T, reg *registry.Store, id string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, reg.Apply(ctx, []registry.Update{{DeviceID: id, ReceivedAt: now.Add(-time.Minute), State: state(id)}}))
	reset := protocol.Command{V: protocol.Version, ID: "reset-" + id, DeviceID: id, Kind: protocol.CommandFactoryReset,
		IssuedAt: now.Add(-40 * time.Second), ExpiresAt: now.Add(time.Hour)}
	require.NoError(t, reg.RecordCommand(ctx, reset, reset.IssuedAt))
	require.NoError(t, reg.Apply(ctx, []registry.Update{{DeviceID: id, ReceivedAt: now.Add(-30 * time.Second), Event: &protocol.CommandEvent{
		V: protocol.Version, DeviceID: id, CommandID: reset.ID, State: protocol.CommandSucceeded, At: now.Add(-30 * time.Second),
		Detail: "wipe_started: root_broadcast"}}}))
	require.NoError(t, reg.CreateRelease(ctx, registry.ReleaseRecord{ID: "rel-" + id, DeviceID: id, Operator: "ana", Stage: "released",
		Outcome: registry.OutcomeReleased, CommandID: reset.ID, CreatedAt: now.Add(-50 * time.Second), Deadline: now.Add(time.Hour),
		FinishedAt: now.Add(-30 * time.Second)}))
}

func TestCertAgainstController(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	api := c.APIURL()
	tok, err := c.AddOperator(ctx, "bo", controller.RoleOperator, false, registry.ActorController, "")
	require.NoError(t, err)
	t.Setenv(cli.TokenEnv, tok)
	released(t, c.Registry(), "P1")
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{{DeviceID: "P2", ReceivedAt: time.Now().UTC(), State: state("P2", protocol.RiskGoogleFRP)}}))
	dir := t.TempDir()

	io, out, _ := testStreams()
	require.NoError(t, certRun(ctx, io, &certOptions{API: api, ID: "P1", OutDir: filepath.Join(dir, "certs")}))
	jsonPath, htmlPath := filepath.Join(dir, "certs", "P1.cert.json"), filepath.Join(dir, "certs", "P1.cert.html")
	assert.Equal(t, jsonPath+"\n"+htmlPath+"\n", out.String())
	page, err := os.ReadFile(htmlPath)
	require.NoError(t, err)
	assert.Contains(t, string(page), "P1")

	io, _, _ = testStreams()
	err = certRun(ctx, io, &certOptions{API: api, ID: "P2", OutDir: dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not released")
	assert.NoFileExists(t, filepath.Join(dir, "P2.cert.json"))

	// The key as printed by `unbind key` verifies the file offline.
	io, out, _ = testStreams()
	require.NoError(t, keyRun(ctx, io, &keyOptions{API: api}))
	pubPath := filepath.Join(dir, "controller.pub")
	require.NoError(t, os.WriteFile(pubPath, out.Bytes(), 0o644))
	for _, key := range []string{pubPath, dir} {
		io, out, _ = testStreams()
		require.NoError(t, certVerifyRun(ctx, io, &certVerifyOptions{File: jsonPath, Key: key}), key)
		assert.Contains(t, out.String(), "VALID "+jsonPath)
		assert.Contains(t, out.String(), "released by ana")
		assert.Contains(t, out.String(), "evidence wipe_started at ")
		assert.Contains(t, out.String(), "by agent: root_broadcast <- the certificate rests on this")
	}

	// A key saved by an earlier version (raw key in the legacy PEM block)
	// still verifies the certificate.
	pubPEM, err := os.ReadFile(pubPath)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(pubPEM), "-----BEGIN PUBLIC KEY-----\n"), "unbind key prints a PKIX key")
	pub, err := protocol.ParsePublicKey(pubPEM)
	require.NoError(t, err)
	legacyPath := filepath.Join(dir, "legacy.pub")
	require.NoError(t, os.WriteFile(legacyPath, pem.EncodeToMemory(&pem.Block{Type: protocol.LegacyPublicKeyPEMBlock, Bytes: pub}), 0o644))
	io, out, _ = testStreams()
	require.NoError(t, certVerifyRun(ctx, io, &certVerifyOptions{File: jsonPath, Key: legacyPath}))
	assert.Contains(t, out.String(), "VALID "+jsonPath)

	// Without --key: the key of the controller on this machine, or a usage
	// error that says where to get the key.
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	io, _, _ = testStreams()
	err = certVerifyRun(ctx, io, &certVerifyOptions{File: jsonPath})
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "unbind key > controller.pub")
	require.NoError(t, os.MkdirAll(filepath.Join(cfgHome, "unbind"), 0o700))
	_, err = keys.LoadOrCreate(filepath.Join(cfgHome, "unbind", "controller.key"))
	require.NoError(t, err)
	io, out, _ = testStreams()
	err = certVerifyRun(ctx, io, &certVerifyOptions{File: jsonPath})
	assert.Equal(t, cli.ExitError{Code: exitError}, err, "another controller's key on this machine")
	assert.Contains(t, out.String(), "INVALID "+jsonPath)
	assert.Contains(t, out.String(), "checked against this machine's controller key")
	assert.Contains(t, out.String(), "unbind key > controller.pub")
	require.NoError(t, os.WriteFile(filepath.Join(cfgHome, "unbind", "controller.pub"), pubPEM, 0o644))
	io, out, _ = testStreams()
	require.NoError(t, certVerifyRun(ctx, io, &certVerifyOptions{File: jsonPath}))
	assert.Contains(t, out.String(), "VALID "+jsonPath)

	file, err := os.ReadFile(jsonPath)
	require.NoError(t, err)
	tampered := filepath.Join(dir, "tampered.json")
	require.NoError(t, os.WriteFile(tampered, bytes.Replace(file, []byte(`"serial": "P1"`), []byte(`"serial": "P9"`), 1), 0o644))
	io, out, _ = testStreams()
	err = certVerifyRun(ctx, io, &certVerifyOptions{File: tampered, Key: pubPath})
	assert.Equal(t, cli.ExitError{Code: exitError}, err)
	assert.Contains(t, out.String(), "INVALID "+tampered+": signature does not match: the document was altered after signing")

	// Audit: UTC RFC 3339 times, the certificate request by its operator.
	io, out, _ = testStreams()
	require.NoError(t, auditRun(ctx, io, &auditOptions{API: api, Output: "table", ID: "P1"}))
	assert.Regexp(t, regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+P1\s+operator:bo\s+certificate\.issued`), out.String())
	io, out, _ = testStreams()
	require.NoError(t, auditRun(ctx, io, &auditOptions{API: api, Output: "json", Limit: 1}))
	assert.Contains(t, out.String(), `"action": "certificate.issued"`)
}

func TestLoadPublicKey(t *testing.T) {
	dir := t.TempDir()
	priv, err := keys.LoadOrCreate(filepath.Join(dir, "controller.key"))
	require.NoError(t, err)
	want := priv.Public().(ed25519.PublicKey)
	for _, p := range []string{dir, filepath.Join(dir, "controller.key")} {
		got, err := loadPublicKey(p)
		require.NoError(t, err, p)
		assert.Equal(t, want, got)
	}
	junk := filepath.Join(dir, "junk")
	require.NoError(t, os.WriteFile(junk, []byte("hello"), 0o644))
	_, err = loadPublicKey(junk)
	assert.ErrorContains(t, err, "neither an unbind public key nor a controller key")
	_, err = loadPublicKey(t.TempDir())
	assert.ErrorContains(t, err, "no controller.pub or controller.key")
}

// TestAuditHidesRefreshSteps: `unbind audit` leaves out the steps of refresh
// commands, with the limit counting the other rows; --all shows them, and
// the rows stay in the trail.
func TestAuditHidesRefreshSteps(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	api := c.APIURL()
	tok, err := c.AddOperator(ctx, "bo", controller.RoleOperator, false, registry.ActorController, "")
	require.NoError(t, err)
	t.Setenv(cli.TokenEnv, tok)
	reg := c.Registry()
	now := time.Now().UTC()
	require.NoError(t, reg.Apply(ctx, []registry.Update{{DeviceID: "P1", ReceivedAt: now, State: state("P1")}}))
	signOut := protocol.Command{V: protocol.Version, ID: "so-1", DeviceID: "P1", Kind: protocol.CommandSignOut, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	require.NoError(t, reg.RecordCommand(ctx, signOut, now))
	for i := range 5 {
		refresh := protocol.Command{V: protocol.Version, ID: fmt.Sprintf("rf-%d", i), DeviceID: "P1", Kind: protocol.CommandRefresh, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
		require.NoError(t, reg.RecordCommand(ctx, refresh, now))
	}

	tests := []struct {
		name        string
		opts        auditOptions
		wantRefresh int
		wantSignOut bool
	}{
		{"default hides refresh", auditOptions{}, 0, true},
		{"limit counts the shown rows", auditOptions{Limit: 1}, 0, true},
		{"all shows refresh", auditOptions{All: true}, 5, true},
		{"all with limit", auditOptions{All: true, Limit: 1}, 1, false},
		{"one device", auditOptions{ID: "P1"}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.API, opts.Output = api, "json"
			io, out, _ := testStreams()
			require.NoError(t, auditRun(ctx, io, &opts))
			assert.Equal(t, tc.wantRefresh, strings.Count(out.String(), " refresh: "), out.String())
			assert.Equal(t, tc.wantSignOut, strings.Contains(out.String(), "so-1 sign_out: queued"), out.String())
		})
	}
	all, err := reg.Audit(ctx, "P1", 0)
	require.NoError(t, err)
	n := 0
	for _, e := range all {
		if strings.Contains(e.Detail, " refresh: ") {
			n++
		}
	}
	assert.Equal(t, 5, n, "refresh steps stay in the trail")
}
