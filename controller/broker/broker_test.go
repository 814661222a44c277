package broker

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestStartOnListener(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b := startBroker(t, Config{Listener: ln})

	assert.Equal(t, ln.Addr().String(), b.Addr().String())
	assert.Equal(t, "tcp://"+ln.Addr().String(), b.URL())
	dial(t, b.URL(), "c") // listening when Start returns
}

func TestStartOnAddr(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{Listener: nil, Addr: "127.0.0.1:0"})
	assert.NotZero(t, b.Addr().(*net.TCPAddr).Port)
	dial(t, b.URL(), "c")
}

func TestStartAddrInUse(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()

	b, err := Start(context.Background(), Config{Addr: taken.Addr().String()})
	require.Error(t, err)
	assert.Nil(t, b)
	assert.ErrorIs(t, err, ErrAddrInUse)
	assert.ErrorIs(t, err, syscall.EADDRINUSE)
	assert.Contains(t, err.Error(), taken.Addr().String(), "the error names the address")
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"", "127.0.0.1:notaport", "256.0.0.1:0"} {
		_, err := Start(context.Background(), Config{Addr: addr})
		require.Error(t, err, "addr %q", addr)
		assert.NotErrorIs(t, err, ErrAddrInUse, "addr %q", addr)
	}
}

func TestStartCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, err = Start(ctx, Config{Listener: ln})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = ln.Accept()
	assert.ErrorIs(t, err, net.ErrClosed, "Start owns and closes the listener")
}

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr *net.TCPAddr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1883}, "tcp://127.0.0.1:1883"},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 2), Port: 1883}, "tcp://192.168.1.2:1883"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 1883}, "tcp://127.0.0.1:1883"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 1883}, "tcp://127.0.0.1:1883"},
		{&net.TCPAddr{Port: 1883}, "tcp://127.0.0.1:1883"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 1883}, "tcp://[::1]:1883"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, brokerURL(tc.addr, false), "addr %v", tc.addr)
		assert.Equal(t, "ssl"+strings.TrimPrefix(tc.want, "tcp"), brokerURL(tc.addr, true), "addr %v with TLS", tc.addr)
	}
}

func TestCloseDisconnectsClients(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b, err := Start(context.Background(), Config{Listener: ln})
	require.NoError(t, err)

	var clients []*client
	for _, id := range []string{"a", "b", "c"} {
		c := dial(t, b.URL(), id)
		c.mustSubscribe(mustTopic(t, id, protocol.ChannelCommands))
		clients = append(clients, c)
	}
	// A connection that never sends CONNECT would hold mochi's shutdown
	// until the connect deadline; Close must cut it sooner.
	silent, err := net.Dial("tcp", b.Addr().String())
	require.NoError(t, err)
	defer silent.Close()
	require.Eventually(t, func() bool { return b.ln.open() == len(clients)+1 }, wait, time.Millisecond,
		"broker accepted the silent connection")

	closed := make(chan error, 1)
	go func() { closed <- b.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(connectTimeout - time.Second):
		require.FailNow(t, "Close waited for the silent connection")
	}
	for _, c := range clients {
		c.waitLost()
	}
	assert.NoError(t, b.Close(), "Close is idempotent")
	_, err = net.Dial("tcp", b.Addr().String())
	assert.Error(t, err, "nothing listens after Close")
}

func TestContextCancelStopsBroker(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := Start(ctx, Config{Addr: "127.0.0.1:0"})
	require.NoError(t, err)
	c := dial(t, b.URL(), "c")

	cancel()
	c.waitLost()
	require.Eventually(t, func() bool {
		conn, err := net.Dial("tcp", b.Addr().String())
		if err == nil {
			conn.Close()
		}
		return err != nil
	}, wait, 10*time.Millisecond, "listener closed after cancel")
	assert.NoError(t, b.Close(), "Close after cancel")
	assert.NoError(t, b.Close())
}

// TestCloseLeavesNoGoroutines is not parallel, so that only its own broker
// runs while it looks for broker goroutines.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	b, err := Start(context.Background(), Config{Addr: "127.0.0.1:0"})
	require.NoError(t, err)
	state := mustTopic(t, "R58M12ABC", protocol.ChannelState)
	sub := dial(t, b.URL(), "sub")
	sub.mustSubscribe(state)
	pub := dial(t, b.URL(), "pub")
	pub.publish(state, 1, true, []byte("x"))
	sub.next()
	pub.c.Disconnect(0)

	require.NoError(t, b.Close())
	sub.waitLost()

	var stacks string
	ok := assert.Eventually(t, func() bool {
		stacks = brokerGoroutines()
		return stacks == ""
	}, wait, 10*time.Millisecond)
	if !ok {
		t.Logf("goroutines left:\n%s", stacks)
	}
}

// brokerGoroutines returns the stacks of goroutines running mochi or this
// package's non-test code.
func brokerGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "mochi-mqtt/server") ||
			(strings.Contains(g, "unbind/controller/broker.") && !strings.Contains(g, "_test.go")) {
			left = append(left, g)
		}
	}
	return strings.Join(left, "\n\n")
}

func TestErrAddrInUseMatching(t *testing.T) {
	t.Parallel()
	err := addrInUseError{&net.OpError{Op: "listen", Err: syscall.EADDRINUSE}}
	assert.ErrorIs(t, err, ErrAddrInUse)
	assert.ErrorIs(t, err, syscall.EADDRINUSE)
	assert.False(t, errors.Is(errors.New("other"), ErrAddrInUse))
}
