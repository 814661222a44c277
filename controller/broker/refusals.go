package broker

import (
	"log/slog"
	"net"
	"sync"
	"time"
)

// refusalWindow is how often at most a refused login is logged per address.
const refusalWindow = time.Minute

// maxRefusalAddrs bounds the addresses remembered; past it, the oldest
// windows are forgotten (their counts are logged first).
const maxRefusalAddrs = 10000

// maxRefusalLines bounds the lines one refusalLog writes per refusalWindow
// over all addresses together: many addresses (a botnet, a /64 of IPv6)
// add to one summary line instead.
const maxRefusalLines = 100

// refusalLog logs refused connections at most once per remote address per
// refusalWindow, with how many there were, and at most maxRefusalLines a
// window in all: a client retrying bad credentials in a loop cannot flood
// the log, and none is lost from view.
type refusalLog struct {
	log *slog.Logger
	now func() time.Time
	msg string

	mu    sync.Mutex
	addrs map[string]*refusals
	// window is when the current window of the line budget began; lines
	// were written in it, overflow were refusals past the budget.
	window   time.Time
	lines    int
	overflow int
}

type refusals struct {
	since      time.Time // when the current window's first refusal was logged
	suppressed int       // refusals since then not logged yet
}

// newRefusalLog logs msg ("mqtt connect refused") for each line.
func newRefusalLog(log *slog.Logger, now func() time.Time, msg string) *refusalLog {
	return &refusalLog{log: log, now: now, msg: msg, addrs: make(map[string]*refusals)}
}

// budget reports whether a line may be written now; r.mu is held. A window
// that ended first reports what its overflow held.
func (r *refusalLog) budget(now time.Time) bool {
	if now.Sub(r.window) >= refusalWindow {
		if r.overflow > 0 {
			r.log.Warn(r.msg, keyRemote, "(more addresses)", "count", r.overflow, "per", refusalWindow.String())
		}
		r.window, r.lines, r.overflow = now, 0, 0
	}
	if r.lines >= maxRefusalLines {
		r.overflow++
		return false
	}
	r.lines++
	return true
}

// refused records one refused login from remote (host:port).
func (r *refusalLog) refused(remote, clientID, why string) {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.addrs[host]
	if ok && now.Sub(e.since) < refusalWindow {
		e.suppressed++
		return
	}
	if len(r.addrs) >= maxRefusalAddrs {
		r.forgetOld(now)
	}
	count := 1
	if ok {
		count += e.suppressed
	}
	if !r.budget(now) {
		// Counted in the overflow; this address's window starts anyway,
		// so it is not tried again at once.
		r.addrs[host] = &refusals{since: now}
		r.overflow += count - 1
		return
	}
	r.addrs[host] = &refusals{since: now}
	r.log.Warn(r.msg, keyRemote, host, keyClient, clientID, "reason", why,
		"count", count, "per", refusalWindow.String())
}

// forgetOld drops windows that have ended, logging what they held.
func (r *refusalLog) forgetOld(now time.Time) {
	for host, e := range r.addrs {
		if now.Sub(e.since) < refusalWindow && len(r.addrs) < maxRefusalAddrs {
			continue
		}
		if e.suppressed > 0 {
			if r.budget(now) {
				r.log.Warn(r.msg, keyRemote, host, "count", e.suppressed, "per", refusalWindow.String())
			} else {
				r.overflow += e.suppressed - 1
			}
		}
		delete(r.addrs, host)
	}
}
