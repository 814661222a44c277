package broker

import (
	"fmt"
	"go/build"
	"testing"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOnlyOneAuthHook guards the production wiring: mochi grants access when
// any hook allows it, so the allow-all hook next to ours would open every
// topic. The behaviour is covered by the access tests; this pins the wiring.
func TestOnlyOneAuthHook(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{})

	require.Len(t, b.hooks, 2, "Start registers the auth hook and the local delivery")
	assert.IsType(t, &authHook{}, b.hooks[0])
	assert.IsType(t, &localDelivery{}, b.hooks[1])
	for _, event := range []byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck} {
		assert.False(t, b.hooks[1].Provides(event), "the local delivery decides no access (hook event %d)", event)
	}
	// Importing mochi's hooks/auth here would pull a module go.mod does
	// not carry, so the allow-all hook is recognised by its ID and type name.
	for _, h := range b.hooks {
		assert.NotEqual(t, "allow-all-auth", h.ID())
		assert.NotContains(t, fmt.Sprintf("%T", h), "AllowHook")
	}
	assert.Empty(t, b.srv.Options.Hooks, "no hooks loaded from mochi config")

	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	assert.NotContains(t, pkg.Imports, "github.com/mochi-mqtt/server/v2/hooks/auth",
		"production code must not import mochi's auth hooks")
}

func TestAuthHookProvidesOnlyAuth(t *testing.T) {
	t.Parallel()
	h := newAuthHook(NamespaceOnly{}, nil)
	for b := byte(0); b < 255; b++ {
		want := b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
		assert.Equal(t, want, h.Provides(b), "hook method %d", b)
	}
}

// denyAll stands in for a future credential check.
type denyAll struct{ NamespaceOnly }

func (denyAll) Connect(Peer, []byte) bool { return false }

func TestAuthorizerDecidesConnect(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{Auth: denyAll{}})
	_, err := tryDial(b.URL(), "c", nil)
	assert.Error(t, err)
}
