package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"github.com/unbind/unbind/controller/httpapi"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/controller/controllertest"
)

// TestAnonymousFloodFromOneAddress: one address (127.0.0.2) holds more
// connections than the API has, each dribbling a 1 MB enrollment body. Everyone else (127.0.0.1) still gets
// /healthz and enrolls a phone, and the slow bodies that were served are cut
// at the anonymous body timeout, not the general read timeout. Loopback
// only, bounded loops.
func TestAnonymousFloodFromOneAddress(t *testing.T) {
	const pool = 32
	c := controllertest.StartServing(t, func(cfg *httpapi.ServeConfig) {
		cfg.MaxConns = pool
		cfg.ReadTimeout = time.Minute // far past anything this test waits
	})
	addr := strings.TrimPrefix(c.APIURL(), "http://")
	dialer := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
	var slow []net.Conn
	for range 2 * pool {
		conn, err := dialer.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		_, err = fmt.Fprintf(conn, "POST /api/v1/enroll HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{", addr)
		require.NoError(t, err)
		slow = append(slow, conn)
	}

	// Stuck in the listen queue behind the flood, a request would wait the
	// minute; 20 s is far past what an answer takes.
	hc := &http.Client{Timeout: 20 * time.Second}
	resp, err := hc.Get(c.APIURL() + "/healthz")
	require.NoError(t, err, "healthz answers others while one address floods")
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := c.NewEnrollmentToken(ctx, time.Hour)
	require.NoError(t, err)
	_, err = agent.Enroll(ctx, hc, c.APIURL(), tok.Token, "beside-the-flood")
	require.NoError(t, err, "a phone enrolls over HTTP beside the flood")

	// The first slow body was served at once; its reader gives up at the
	// anonymous timeout (5 s), far before the minute: an answer or EOF.
	require.NoError(t, slow[0].SetReadDeadline(time.Now().Add(20*time.Second)))
	_, err = bufio.NewReader(slow[0]).ReadByte()
	assert.False(t, isTimeout(err), "the slow anonymous body was cut (err %v)", err)
}

// TestIdleKeepAlivesMakeWay: connections a client keeps open between
// requests do not hold its address's places while another connection of
// that address waits: a second client on the same address (a bench PC
// running two tools) is served at once.
func TestIdleKeepAlivesMakeWay(t *testing.T) {
	c := controllertest.StartServing(t, func(cfg *httpapi.ServeConfig) { cfg.MaxConnsPerAddr = 4 })
	addr := strings.TrimPrefix(c.APIURL(), "http://")
	// Four keep-alive connections, each answered once and left open.
	for range 4 {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		_, err = fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}

	other := &http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second} // idle ones live 2 minutes
	resp, err := other.Get(c.APIURL() + "/healthz")
	require.NoError(t, err, "served at once, in place of an idle keep-alive")
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
