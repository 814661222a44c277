package broker

import (
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// tcpListener is the broker's mochi listener. It replaces mochi's Net
// listener so that shutdown can be ordered safely: mochi counts clients with a
// WaitGroup that each connection goroutine adds to while Server.Close waits on
// it, which races when a connection arrives during Close. Here every
// connection goroutine is started and counted under a lock that shutdown
// takes first, so the broker can wait for all of them to end before it calls
// Server.Close. It also gives each connection a deadline for its CONNECT
// (mochi replaces it with the keepalive deadline once CONNECT is read) and can
// cut every connection when a polite shutdown stalls.
type tcpListener struct {
	ln             net.Listener
	connectTimeout time.Duration
	log            *slog.Logger
	// tls, when set, wraps each accepted connection; the handshake runs on
	// mochi's first read, so the CONNECT deadline bounds it too.
	tls *tls.Config
	// full, when set, is told of each client refused because the broker
	// holds its maximum number of clients.
	full func(remote string)
	// ended logs connections that ended for a reason worth a warning, at
	// most once a minute per address (see refusalLog).
	ended *refusalLog

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // raw connections, which closeConns can always cut
	closed bool
	active sync.WaitGroup // connection goroutines; Add only under mu while !closed
}

var _ listeners.Listener = (*tcpListener)(nil)

func newTCPListener(ln net.Listener, connectTimeout time.Duration, log *slog.Logger) *tcpListener {
	return &tcpListener{
		ln:             ln,
		connectTimeout: connectTimeout,
		log:            log,
		conns:          make(map[net.Conn]struct{}),
		ended:          newRefusalLog(log, time.Now, "mqtt connection ended"),
	}
}

func (l *tcpListener) ID() string              { return listenerID }
func (l *tcpListener) Address() string         { return l.ln.Addr().String() }
func (l *tcpListener) Protocol() string        { return "tcp" }
func (l *tcpListener) Init(*slog.Logger) error { return nil }

// Serve accepts connections until the listener is closed. mochi runs it on a
// goroutine of its own; it returns as soon as Accept fails.
func (l *tcpListener) Serve(establish listeners.EstablishFn) {
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			return
		}
		_ = conn.SetDeadline(time.Now().Add(l.connectTimeout))
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			_ = conn.Close()
			return
		}
		l.conns[conn] = struct{}{}
		l.active.Add(1)
		l.mu.Unlock()
		go l.run(establish, conn)
	}
}

func (l *tcpListener) run(establish listeners.EstablishFn, conn net.Conn) {
	defer l.active.Done()
	mc := conn
	if l.tls != nil {
		mc = tls.Server(conn, l.tls)
	}
	err := establish(listenerID, mc)
	_ = mc.Close()
	_ = conn.Close()
	l.mu.Lock()
	delete(l.conns, conn)
	l.mu.Unlock()
	switch {
	case err == nil:
	case errors.Is(err, packets.ErrServerBusy) && l.full != nil:
		l.full(conn.RemoteAddr().String())
	case routineEnd(err):
		l.log.Debug("mqtt connection ended", keyRemote, conn.RemoteAddr().String(), keyErr, err)
	case errors.Is(err, packets.ErrBadUsernameOrPassword) || errors.Is(err, packets.ErrNotAuthorized):
		// A refused login: the auth hook's refusal log has counted it.
	default:
		// A flood of garbage or oversized packets is counted, not
		// written line by line.
		l.ended.refused(conn.RemoteAddr().String(), "", err.Error())
	}
}

// routineEnd tells a peer hanging up, or our own shutdown, from errors worth
// a warning (oversized packets, refused access, protocol violations).
func routineEnd(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// stopAccepting closes the network listener. After it returns no connection
// goroutine is started, so waitConns can wait for them all.
func (l *tcpListener) stopAccepting() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return l.ln.Close()
}

// waitConns returns a channel closed once every connection goroutine ended.
// Call it only after stopAccepting. The goroutine it starts ends with them.
func (l *tcpListener) waitConns() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		l.active.Wait()
		close(done)
	}()
	return done
}

// closeConns closes every connection still open.
func (l *tcpListener) closeConns() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		_ = c.Close()
	}
}

// open counts the connections accepted and not yet ended.
func (l *tcpListener) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Close is mochi's shutdown call; by then the broker has ended every
// connection, so closeClients finds none.
func (l *tcpListener) Close(closeClients listeners.CloseFn) {
	_ = l.stopAccepting()
	closeClients(listenerID)
}
