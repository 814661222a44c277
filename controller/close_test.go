package controller_test

import (
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/controllertest"
)

// TestCloseWithASilentConnection: an HTTP client may dial a spare
// connection and never send a request on it. Close still ends cleanly:
// past the grace it cuts the connection rather than failing.
func TestCloseWithASilentConnection(t *testing.T) {
	c := controllertest.Start(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(c.APIURL(), "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, c.Close())
}
