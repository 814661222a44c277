package fleet

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// reference runs the same publishers against a plain broker with one
// subscriber on every state topic, and returns the rate at which that
// subscriber received the reports (messages per second), and the CPU
// seconds the broker spent meanwhile (0 when cpu is nil).
func reference(ctx context.Context, brokerURL string, cpu func() float64, n, reports, workers int, progress func(string, int, int)) (rate, cpuS float64, err error) {
	if brokerURL == "" {
		return 0, 0, errNoReference
	}
	var received atomic.Uint64
	total := uint64(n * reports)
	all := make(chan struct{})
	sub, err := mqttconn.Dial(ctx, mqttconn.Options{BrokerURL: brokerURL, ClientID: "bench-reference-sub", CleanSession: true, OrderMatters: true})
	if err != nil {
		return 0, 0, err
	}
	defer sub.Close(0)
	if err := sub.Subscribe(ctx, protocol.AllDevices(protocol.ChannelState), 1, func(string, []byte) {
		if received.Add(1) == total {
			close(all)
		}
	}); err != nil {
		return 0, 0, err
	}
	agents := make([]*lightAgent, n)
	for i := range agents {
		a, err := newLightAgent(fmt.Sprintf("ref%06d", i))
		if err != nil {
			return 0, 0, err
		}
		agents[i] = a
	}
	defer func() {
		for _, a := range agents {
			a.close()
		}
	}()
	if errs := parallel(agents, workers, func(a *lightAgent) error {
		conn, err := mqttconn.Dial(ctx, mqttconn.Options{BrokerURL: brokerURL, ClientID: clientIDPrefix + a.id, CleanSession: true})
		a.conn = conn
		return err
	}); len(errs) > 0 {
		return 0, 0, errs[0]
	}
	var done atomic.Int64
	cpu0 := cpuOf(cpu)
	start := time.Now()
	if errs := parallel(agents, workers, func(a *lightAgent) error {
		for range reports {
			if err := a.report(ctx); err != nil {
				return err
			}
		}
		progress("reference", int(done.Add(1)), n)
		return nil
	}); len(errs) > 0 {
		return 0, 0, errs[0]
	}
	select {
	case <-all:
	case <-time.After(2 * time.Minute):
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	elapsed := time.Since(start).Seconds()
	if cpu != nil {
		cpuS = cpu() - cpu0
	}
	return float64(received.Load()) / elapsed, cpuS, nil
}
