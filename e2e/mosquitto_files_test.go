package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli/clitest"
)

// TestMosquittoFilesLeaveOutWhatMosquittoCannotHold: logins Mosquitto
// would misread or that would shadow the controller's own are left out of
// its password file (fail closed: they cannot log in there), and a device
// enrolled under the controller's username does not get its rights.
func TestMosquittoFilesLeaveOutWhatMosquittoCannotHold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var files controller.MosquittoFiles
	c := startOnMosquitto(t, func(cfg *controller.Config) { files = cfg.Mosquitto })
	for _, id := range []string{"plain-1", "192.168.1.20:5555", mosquittoController} {
		_, err := enrollVia(c)(ctx, id)
		require.NoError(t, err, "enroll %s", id)
	}
	data, err := os.ReadFile(files.PasswordFile)
	require.NoError(t, err)
	var users []string
	for line := range strings.Lines(string(data)) {
		user, _, ok := strings.Cut(line, ":")
		require.True(t, ok, "line %q", line)
		users = append(users, user)
	}
	// Besides the controller, the login by which it sees Mosquitto reloaded.
	assert.ElementsMatch(t, []string{mosquittoController, "unbind/reload-check", "plain-1"}, users)

	// The controller's own line is the controller's: its password works.
	_, err = dialMQTT(t, c.BrokerURL(), "probe", mosquittoController, mosquittoControllerPassword, nil)
	assert.NoError(t, err)
	acl, err := os.ReadFile(files.ACLFile)
	require.NoError(t, err)
	want, err := broker.MosquittoACL(mosquittoController, nil)
	require.NoError(t, err)
	assert.Equal(t, want, string(acl))
}

// TestLoginsWithoutMosquittoHash: a registry from before the broker hash
// was kept holds logins Mosquitto cannot admit. They are left out of the
// password file (refused, not let in), and serve says how many once, at
// start, without naming them.
func TestLoginsWithoutMosquittoHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "registry.db")
	reg, err := registry.Open(ctx, dbPath, registry.Options{})
	require.NoError(t, err)
	now := time.Now().UTC()
	const legacyPassword = "legacy-password"
	sum := sha256.Sum256([]byte(legacyPassword))
	for _, id := range []string{"legacy-1", "legacy-2"} {
		require.NoError(t, reg.CreateEnrollmentToken(ctx, "token-"+id, now, now.Add(time.Hour), registry.TokenSpec{}))
		_, err := reg.Enroll(ctx, "token-"+id, registry.Credential{DeviceID: id, Username: id, PasswordHash: hex.EncodeToString(sum[:])}, now)
		require.NoError(t, err)
	}
	require.NoError(t, reg.Close())

	var logs clitest.SyncBuffer
	c := startOnMosquitto(t, func(cfg *controller.Config) {
		cfg.DBPath = dbPath
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	_, err = dialMQTT(t, c.BrokerURL(), "legacy-1", "legacy-1", legacyPassword, nil)
	assert.Error(t, err, "a login without a Mosquitto hash is refused there")
	fresh, err := enrollVia(c)(ctx, "fresh-1")
	require.NoError(t, err)
	_, err = dialMQTT(t, c.BrokerURL(), "fresh-1", fresh.Username, fresh.Password, nil)
	assert.NoError(t, err)

	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "have no Mosquitto hash"), "said once:\n%s", out)
	assert.Contains(t, out, "logins=2")
	assert.NotContains(t, out, "legacy-1", "no device is named")
}

// TestFleetOnMosquittoWithRegistryLogins: the fleet test, its phones
// enrolling as they start, on a Mosquitto that admits only the logins the
// controller writes for it.
func TestFleetOnMosquittoWithRegistryLogins(t *testing.T) {
	t.Parallel()
	checkFleet(t, startOnMosquitto(t))
}
