package controller

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed enrollments an address may make: a burst, then one per interval.
const (
	enrollFailBurst    = 10
	enrollFailInterval = 10 * time.Second
	// enrollGuardSize bounds the addresses remembered.
	enrollGuardSize = 4096
)

// enrollGuard limits failed enrollments per remote address, so that tokens
// cannot be guessed at speed and a flood of bad attempts costs one counter
// each instead of a registry lookup and a log line. Only failures spend the
// allowance: a bench PC enrolling fifty phones with good tokens is never
// slowed. The empty address (a caller in this process) is not limited.
type enrollGuard struct {
	mu    sync.Mutex
	addrs map[string]*rate.Limiter
	every rate.Limit
	burst int
	max   int
}

func newEnrollGuard() *enrollGuard {
	return &enrollGuard{addrs: make(map[string]*rate.Limiter), every: rate.Every(enrollFailInterval),
		burst: enrollFailBurst, max: enrollGuardSize}
}

// allowed says whether remote may try to enroll now.
func (g *enrollGuard) allowed(remote string) bool {
	if remote == "" {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	l, ok := g.addrs[remote]
	return !ok || l.Tokens() >= 1
}

// failed spends one of remote's allowance and reports whether it had one
// left (the failure is worth a log line).
func (g *enrollGuard) failed(remote string) bool {
	if remote == "" {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	l, ok := g.addrs[remote]
	if !ok {
		g.makeRoom()
		l = rate.NewLimiter(g.every, g.burst)
		g.addrs[remote] = l
	}
	return l.Allow()
}

// makeRoom forgets addresses whose allowance has refilled, and if that is
// not enough, any one address: the map never grows past max.
func (g *enrollGuard) makeRoom() {
	if len(g.addrs) < g.max {
		return
	}
	for a, l := range g.addrs {
		if l.Tokens() >= float64(g.burst) {
			delete(g.addrs, a)
		}
	}
	for a := range g.addrs {
		if len(g.addrs) < g.max {
			break
		}
		delete(g.addrs, a)
	}
}
