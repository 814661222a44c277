package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker"
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
