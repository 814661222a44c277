package controller

import "net"

// IsLoopback reports whether a listen address (host:port) only answers on
// this machine: 127.0.0.0/8, ::1 or "localhost". An empty host or
// 0.0.0.0 answers on every interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
