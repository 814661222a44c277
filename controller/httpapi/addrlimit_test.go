package httpapi

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAddrLimitListener: one address gets perAddr connections served; the
// next waits, parked, and is served when one of its own closes; past the
// parking bound a connection is closed at once; Close returns with
// connections still parked or woken and closes them.
func TestAddrLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l := newAddrLimitListener(inner, 1, 2)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", inner.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	accept := func() net.Conn {
		c, err := l.Accept()
		require.NoError(t, err)
		return c
	}

	dial()
	first := accept()
	second, third := dial(), dial() // parked
	overflow := dial()              // past the bound
	require.NoError(t, overflow.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = overflow.Read(make([]byte, 1))
	assert.Error(t, err, "closed at once")
	assert.False(t, isTimeoutErr(err), "closed, not left waiting: %v", err)

	require.NoError(t, first.Close())
	next := accept()
	assert.Equal(t, second.LocalAddr().String(), next.RemoteAddr().String(), "the first parked one takes the place")
	_ = third

	// One woken connection the server has not taken yet, one parked: Close
	// must neither hang nor leak them.
	require.NoError(t, next.Close())
	closed := make(chan error, 1)
	go func() { closed <- l.Close() }()
	select {
	case err := <-closed:
		assert.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("Close hung")
	}
	_, err = l.Accept()
	assert.ErrorIs(t, err, net.ErrClosed)
}

func isTimeoutErr(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
