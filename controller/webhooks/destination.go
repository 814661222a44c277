package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrDestinationRefused: a webhook would post to an address it may not
// reach: this machine's loopback, the controller's own API, a link-local or
// cloud metadata address, or no address at all.
var ErrDestinationRefused = errors.New("webhook destination refused")

// metadataAddrs are cloud instance-metadata endpoints outside the
// link-local ranges (those are refused as link-local already).
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

// Destinations decides which addresses webhooks may post to. A webhook
// posts whatever the controller signs to whatever address its URL names,
// so an admin's URL (or a name re-pointed later) must not turn the
// controller into a probe of its own machine: loopback is refused unless
// AllowLoopback (tests and development), and link-local and metadata
// addresses, unspecified and multicast ones, and the controller's own API
// port on this machine always are. Private LAN addresses are allowed:
// receivers usually live there.
type Destinations struct {
	AllowLoopback bool
	// OwnPorts are the ports the controller itself listens on (its API);
	// this machine's addresses on them are refused even with
	// AllowLoopback.
	OwnPorts []int
	// localAddrs reports this machine's addresses (nil: its interfaces).
	localAddrs func() []netip.Addr
}

// CheckURL refuses, before any delivery, a URL whose host is an address or
// a name that Check would refuse (IP literals, "localhost"); other names are
// checked on each delivery, against what they resolve to then.
func (d Destinations) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook url %q: %w", raw, err)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return fmt.Errorf("webhook url %q: port %q: %w", raw, p, err)
		}
		port = int(n)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return d.Check(netip.AddrPortFrom(netip.IPv6Loopback(), uint16(port)))
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return d.Check(netip.AddrPortFrom(ip, uint16(port)))
	}
	return nil
}

// Check says whether a delivery may connect to ap.
func (d Destinations) Check(ap netip.AddrPort) error {
	ip := ap.Addr().Unmap()
	why := ""
	switch {
	case !ip.IsValid() || ip.IsUnspecified():
		why = "no address"
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		why = "link-local (cloud metadata lives there)"
	case ip.IsMulticast() || ip.IsInterfaceLocalMulticast():
		why = "multicast"
	case isMetadata(ip):
		why = "a cloud metadata address"
	case d.isOwnAPI(ip, int(ap.Port())):
		why = "the controller's own API"
	case ip.IsLoopback() && !d.AllowLoopback:
		why = "loopback (this machine)"
	default:
		return nil
	}
	return fmt.Errorf("%w: %s is %s", ErrDestinationRefused, ip, why)
}

func isMetadata(ip netip.Addr) bool {
	for _, m := range metadataAddrs {
		if ip == m {
			return true
		}
	}
	return false
}

func (d Destinations) isOwnAPI(ip netip.Addr, port int) bool {
	own := false
	for _, p := range d.OwnPorts {
		own = own || p == port
	}
	if !own {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	local := d.localAddrs
	if local == nil {
		local = interfaceAddrs
	}
	for _, a := range local() {
		if a == ip {
			return true
		}
	}
	return false
}

func interfaceAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out
}

// Client is the HTTP client deliveries use: it connects only where Check
// allows, judging the address actually dialed (so a name that resolves, or
// is re-pointed, to a refused address is refused too), uses no proxy from
// the environment, and follows no redirect (a 3xx is not an
// acknowledgement, and would lead elsewhere).
func (d Destinations) Client() *http.Client {
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot read the address %q", ErrDestinationRefused, address)
			}
			return d.Check(ap)
		},
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, addr)
			},
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        16,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
