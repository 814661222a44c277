package fleet

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/api"
)

// IdleOptions size an idle run.
type IdleOptions struct {
	Agents int
	// BrokerRSS reports the broker's resident memory in bytes when the
	// broker is a process of its own (Mosquitto); nil when the controller
	// embeds it.
	BrokerRSS func() uint64
	// Settle is how long the connected fleet is left alone before memory
	// is read.
	Settle   time.Duration
	Progress func(stage string, done, total int)
	Workers  int
}

// IdleResult is what an idle fleet costs. Per-connection figures are the
// growth from before enrolling to settled, divided by the agents.
type IdleResult struct {
	Agents          int     `json:"agents"`
	AgentsConnected int     `json:"agents_connected"`
	EnrollS         float64 `json:"enroll_s"`
	ConnectS        float64 `json:"connect_s"`
	ControllerRSS0  uint64  `json:"controller_rss_before_bytes"`
	// ControllerRSSEnrolled is read after enrolling, before connecting: the
	// growth from there to idle is what the connections cost the controller.
	ControllerRSSEnrolled uint64 `json:"controller_rss_enrolled_bytes"`
	ControllerRSS         uint64 `json:"controller_rss_idle_bytes"`
	BrokerRSS0            uint64 `json:"broker_rss_before_bytes,omitempty"`
	BrokerRSS             uint64 `json:"broker_rss_idle_bytes,omitempty"`
	// PerConnectionBytes is the growth of whichever process holds the
	// connections (the broker's if it has its own, else the controller's).
	PerConnectionBytes float64 `json:"per_connection_bytes"`
	// RevokeS is how long revoking one device took with every other one
	// connected: on Mosquitto, the registry write, the password file
	// rewritten and Mosquitto seen to reload it.
	RevokeS float64 `json:"revoke_s"`
	// RevokedDisconnected: the revoked device's session was ended.
	RevokedDisconnected bool `json:"revoked_disconnected"`
}

// Idle enrolls and connects o.Agents light agents to t, leaves them idle,
// reads the memory of the controller and of the broker, then revokes one
// agent and times it. t.Token must be an admin's.
func Idle(ctx context.Context, t Target, o IdleOptions) (IdleResult, error) {
	res := IdleResult{Agents: o.Agents}
	client := api.NewClient(t.APIURL, nil).WithToken(t.Token)
	if o.Workers <= 0 {
		o.Workers = 64
	}
	progress := func(stage string, done, total int) {
		if o.Progress != nil {
			o.Progress(stage, done, total)
		}
	}
	rss := func(f func() uint64) uint64 {
		if f == nil {
			return 0
		}
		return f()
	}
	res.ControllerRSS0, res.BrokerRSS0 = rss(t.RSS), rss(o.BrokerRSS)
	agents := make([]*lightAgent, o.Agents)
	enrolled := make([]agent.Enrollment, o.Agents)
	index := make(map[*lightAgent]int, o.Agents)
	for i := range agents {
		a, err := newLightAgent(fmt.Sprintf("idle%06d", i))
		if err != nil {
			return res, err
		}
		agents[i], index[a] = a, i
	}
	defer func() {
		for _, a := range agents {
			a.close()
		}
	}()

	var done atomic.Int64
	start := time.Now()
	if errs := parallel(agents, o.Workers, func(a *lightAgent) error {
		e, err := enroll(ctx, client, a.id)
		enrolled[index[a]] = e // each agent writes its own slot
		progress("enroll", int(done.Add(1)), len(agents))
		return err
	}); len(errs) > 0 {
		return res, fmt.Errorf("enroll %d agents: %d failed, first: %w", len(agents), len(errs), errs[0])
	}
	res.EnrollS = time.Since(start).Seconds()
	res.ControllerRSSEnrolled = rss(t.RSS)

	done.Store(0)
	var connected atomic.Int64
	start = time.Now()
	errs := parallel(agents, o.Workers, func(a *lightAgent) error {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		err := a.connect(cctx, t.BrokerURL, enrolled[index[a]])
		if err == nil {
			connected.Add(1)
		}
		progress("connect", int(done.Add(1)), len(agents))
		return err
	})
	res.ConnectS = time.Since(start).Seconds()
	res.AgentsConnected = int(connected.Load())
	if len(errs) > 0 {
		return res, fmt.Errorf("connect: %d of %d failed, first: %w", len(errs), len(agents), errs[0])
	}
	select {
	case <-ctx.Done():
		return res, ctx.Err()
	case <-time.After(o.Settle):
	}
	res.ControllerRSS, res.BrokerRSS = rss(t.RSS), rss(o.BrokerRSS)
	holder0, holder := res.ControllerRSS0, res.ControllerRSS
	if o.BrokerRSS != nil {
		holder0, holder = res.BrokerRSS0, res.BrokerRSS
	}
	if o.Agents > 0 {
		res.PerConnectionBytes = (float64(holder) - float64(holder0)) / float64(o.Agents)
	}

	if len(agents) > 0 {
		victim := agents[len(agents)-1]
		start = time.Now()
		if err := client.RevokeDevice(ctx, victim.id, api.RevokeRequest{}); err != nil {
			return res, fmt.Errorf("revoke %s: %w", victim.id, err)
		}
		res.RevokeS = time.Since(start).Seconds()
		// A bounded look: the session ends as the broker reloads.
		for range 100 {
			if res.RevokedDisconnected = !victim.conn.IsConnected(); res.RevokedDisconnected {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return res, nil
}
