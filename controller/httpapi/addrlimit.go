package httpapi

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// addrLimitListener caps the connections one remote address holds at once,
// so that one caller (a script, a flood of slow bodies, sockets that connect
// and say nothing) never holds the API's whole connection pool. A
// connection past the cap is not refused: it is parked, unserved and
// costing the pool nothing, until one of that address's connections closes,
// so a bench PC's burst of legitimate requests only waits; and while an
// address has connections parked, its idle keep-alive connections are
// closed to make way (see connState). Parked connections are bounded in
// total; past that bound a new one is closed at once.
//
// It sits under netutil.LimitListener (the pool), so a parked connection
// never takes a slot of the pool.
type addrLimitListener struct {
	net.Listener
	perAddr   int
	maxParked int

	mu      sync.Mutex
	active  map[string]int
	parked  map[string][]net.Conn
	nParked int
	// idle are each address's served connections between requests.
	idle map[string]map[*limitedConn]struct{}
	// served finds a served connection by its remote address: the server
	// sees it wrapped (by the pool's limiter, by TLS).
	served map[string]*limitedConn
	// woken holds parked connections whose turn came, for Accept.
	woken  []net.Conn
	wake   chan struct{} // a value when woken gained one
	ready  chan net.Conn // connections within their address's cap
	failed chan error    // the inner listener's Accept error
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

func newAddrLimitListener(ln net.Listener, perAddr, maxParked int) *addrLimitListener {
	l := &addrLimitListener{Listener: ln, perAddr: perAddr, maxParked: maxParked,
		active: make(map[string]int), parked: make(map[string][]net.Conn), idle: make(map[string]map[*limitedConn]struct{}), served: make(map[string]*limitedConn),
		wake: make(chan struct{}, 1), ready: make(chan net.Conn), failed: make(chan error, 1), done: make(chan struct{})}
	l.wg.Add(1)
	go l.acceptLoop()
	return l
}

// acceptLoop takes connections from the kernel and either hands them to
// Accept, parks them, or closes them. It stops when the listener closes.
func (l *addrLimitListener) acceptLoop() {
	defer l.wg.Done()
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			select {
			case <-l.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				l.failed <- err
				return
			}
			// Out of file descriptors and the like: try again shortly,
			// as http.Server does.
			select {
			case <-time.After(50 * time.Millisecond):
				continue
			case <-l.done:
				return
			}
		}
		host := remoteIP(conn)
		l.mu.Lock()
		switch {
		case l.active[host] < l.perAddr:
			l.active[host]++
			lc := l.serve(conn, host)
			l.mu.Unlock()
			select {
			case l.ready <- lc:
			case <-l.done:
				lc.Close()
				return
			}
		case l.nParked < l.maxParked:
			l.parked[host] = append(l.parked[host], conn)
			l.nParked++
			var idle *limitedConn
			for c := range l.idle[host] {
				idle = c
				break
			}
			l.mu.Unlock()
			if idle != nil {
				idle.Close() // its place goes to the parked one
			}
		default:
			l.mu.Unlock()
			conn.Close()
		}
	}
}

// Accept returns the next connection within its address's cap.
func (l *addrLimitListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if len(l.woken) > 0 {
			conn := l.woken[0]
			l.woken = l.woken[1:]
			l.mu.Unlock()
			return conn, nil
		}
		l.mu.Unlock()
		select {
		case conn := <-l.ready:
			return conn, nil
		case <-l.wake:
		case err := <-l.failed:
			l.failed <- err // for any later Accept
			return nil, err
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
}

// release ends one of host's connections: its first parked one, if any,
// takes its place.
func (l *addrLimitListener) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if q := l.parked[host]; len(q) > 0 {
		select {
		case <-l.done: // closing: Close closes what is parked
			return
		default:
		}
		next := q[0]
		if len(q) == 1 {
			delete(l.parked, host)
		} else {
			l.parked[host] = q[1:]
		}
		l.nParked--
		l.woken = append(l.woken, l.serve(next, host))
		select {
		case l.wake <- struct{}{}:
		default:
		}
		return
	}
	if l.active[host]--; l.active[host] <= 0 {
		delete(l.active, host)
	}
}

// Close stops accepting and closes the parked connections; served ones are
// the server's to close.
func (l *addrLimitListener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.Listener.Close()
		l.wg.Wait()
		// Closing a woken connection gives its place back, under l.mu:
		// gather them first, close them after.
		l.mu.Lock()
		var toClose []net.Conn
		for _, q := range l.parked {
			toClose = append(toClose, q...)
		}
		for _, c := range l.woken {
			toClose = append(toClose, c)
		}
		l.parked, l.woken, l.nParked = nil, nil, 0
		l.mu.Unlock()
		for _, c := range toClose {
			c.Close()
		}
	})
	return err
}

// serve wraps a connection that takes a place of host; l.mu is held.
func (l *addrLimitListener) serve(conn net.Conn, host string) *limitedConn {
	lc := &limitedConn{Conn: conn, l: l, host: host}
	l.served[conn.RemoteAddr().String()] = lc
	return lc
}

// connState follows the server's connections (http.Server.ConnState): an
// idle one of an address that has connections parked is closed at once, so
// keep-alive connections never hold a place someone waits for.
func (l *addrLimitListener) connState(conn net.Conn, state http.ConnState) {
	l.mu.Lock()
	lc, ok := l.served[conn.RemoteAddr().String()]
	if !ok {
		l.mu.Unlock()
		return
	}
	if state != http.StateIdle {
		if m := l.idle[lc.host]; m != nil {
			delete(m, lc)
			if len(m) == 0 {
				delete(l.idle, lc.host)
			}
		}
		l.mu.Unlock()
		return
	}
	if len(l.parked[lc.host]) > 0 {
		l.mu.Unlock()
		lc.Close()
		return
	}
	if l.idle[lc.host] == nil {
		l.idle[lc.host] = make(map[*limitedConn]struct{})
	}
	l.idle[lc.host][lc] = struct{}{}
	l.mu.Unlock()
}

// limitedConn gives its address's place back when it closes.
type limitedConn struct {
	net.Conn
	l    *addrLimitListener
	host string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		if c.l.served[c.RemoteAddr().String()] == c {
			delete(c.l.served, c.RemoteAddr().String())
		}
		if m := c.l.idle[c.host]; m != nil {
			delete(m, c)
			if len(m) == 0 {
				delete(c.l.idle, c.host)
			}
		}
		c.l.mu.Unlock()
		c.l.release(c.host)
	})
	return err
}

// remoteIP is a connection's remote address without its port: one client
// reconnecting from new ports is one address.
func remoteIP(conn net.Conn) string {
	if tcp, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	return conn.RemoteAddr().String()
}
