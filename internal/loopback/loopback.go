// Package loopback holds the one check that the controller's HTTP listener
// applies to every request, API and console alike.
package loopback

import (
	"net"
	"net/http"
	"strings"
)

// HostAllowed checks the Host of a request that reached a loopback address:
// only localhost, 127.0.0.1 and [::1] (any port) are allowed, so that a web
// page whose name was re-pointed at 127.0.0.1 (DNS rebinding) never reaches
// a handler. Requests to other addresses are not checked (a LAN controller
// has its own name, and TLS and tokens protect it).
func HostAllowed(req *http.Request) bool {
	local, ok := req.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return true
	}
	tcp, ok := local.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return true
	}
	host := req.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}
