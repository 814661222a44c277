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

// refusalLog logs refused logins at most once per remote address per
// refusalWindow, with how many there were: a client retrying bad
// credentials in a loop cannot flood the log, and none is lost from view.
type refusalLog struct {
	log *slog.Logger
	now func() time.Time

	mu    sync.Mutex
	addrs map[string]*refusals
}

type refusals struct {
	since      time.Time // when the current window's first refusal was logged
	suppressed int       // refusals since then not logged yet
}

func newRefusalLog(log *slog.Logger, now func() time.Time) *refusalLog {
	return &refusalLog{log: log, now: now, addrs: make(map[string]*refusals)}
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
	r.addrs[host] = &refusals{since: now}
	r.log.Warn("mqtt connect refused", keyRemote, host, keyClient, clientID, "reason", why,
		"count", count, "per", refusalWindow.String())
}

// forgetOld drops windows that have ended, logging what they held.
func (r *refusalLog) forgetOld(now time.Time) {
	for host, e := range r.addrs {
		if now.Sub(e.since) < refusalWindow && len(r.addrs) < maxRefusalAddrs {
			continue
		}
		if e.suppressed > 0 {
			r.log.Warn("mqtt connect refused", keyRemote, host, "count", e.suppressed, "per", refusalWindow.String())
		}
		delete(r.addrs, host)
	}
}
