package broker

import (
	"net"
	"sync"
	"time"
)

// trackingListener remembers every connection it accepted so that Close can
// cut them when mochi's polite shutdown stalls, and gives each new connection
// a deadline for its CONNECT (mochi replaces it with the keepalive deadline
// once CONNECT arrives).
type trackingListener struct {
	net.Listener
	connectTimeout time.Duration

	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

func newTrackingListener(ln net.Listener, connectTimeout time.Duration) *trackingListener {
	return &trackingListener{
		Listener:       ln,
		connectTimeout: connectTimeout,
		conns:          make(map[*trackedConn]struct{}),
	}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(l.connectTimeout))
	tc := &trackedConn{Conn: c, owner: l}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	l.conns[tc] = struct{}{}
	return tc, nil
}

func (l *trackingListener) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return l.Listener.Close()
}

// closeConns closes every connection still open.
func (l *trackingListener) closeConns() {
	l.mu.Lock()
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// open counts the connections accepted and not yet closed.
func (l *trackingListener) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

func (l *trackingListener) forget(c *trackedConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

type trackedConn struct {
	net.Conn
	owner *trackingListener
	once  sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() { c.owner.forget(c) })
	return c.Conn.Close()
}
