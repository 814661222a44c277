// Package demo is what `unbind demo` (built with -tags sim) runs beside a
// controller in the same process: in-process enrollment for simulated
// phones, guidance for every phone at risk, and a live summary. It never
// ships: the shipped binaries are built without the sim tag.
package demo

import (
	"context"
	"fmt"
	"github.com/unbind/unbind/api"
	"io"
	"time"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// Watch prints a summary line each time the fleet changes, and a heartbeat
// while it is quiet; with guide, it guides the person at each online phone
// at risk once per state of the phone (see guidance). It returns nil when
// ctx ends.
func Watch(ctx context.Context, c *controller.Controller, w io.Writer, guide bool) error {
	g := newGuidance(c)
	last, lastPrint := "", time.Time{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		s, err := c.Registry().Summary(ctx)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			return fmt.Errorf("read summary: %w", err)
		}
		counts := countsLine(s)
		if counts != last || time.Since(lastPrint) >= 30*time.Second {
			fmt.Fprintf(w, "%s  %s | %s\n", time.Now().Format("15:04:05"), counts, ingestLine(c.Stats()))
			last, lastPrint = counts, time.Now()
		}
		if guide {
			g.pass(ctx)
		}
	}
}

func countsLine(s registry.Summary) string {
	return fmt.Sprintf("phones %d  online %d  offline %d | safe %d  at_risk %d  unknown %d  no report %d",
		s.Total, s.Online, s.Offline,
		s.ByVerdict[protocol.VerdictSafe], s.ByVerdict[protocol.VerdictAtRisk], s.ByVerdict[protocol.VerdictUnknown], s.NoState)
}

func ingestLine(st api.IngestStats) string {
	rejected := uint64(0)
	for _, n := range st.Rejected {
		rejected += n
	}
	return fmt.Sprintf("messages %d  rejected %d", st.Received, rejected)
}

// EnrollInProcess enrolls a simulated phone as `unbind enroll` and
// `unbind-agent enroll` would, without the round trip through the API.
func EnrollInProcess(c *controller.Controller) func(ctx context.Context, deviceID string) (agent.Enrollment, error) {
	return func(ctx context.Context, deviceID string) (agent.Enrollment, error) {
		tok, err := c.NewEnrollmentToken(ctx, time.Hour)
		if err != nil {
			return agent.Enrollment{}, err
		}
		r, err := c.Enroll(ctx, tok.Token, deviceID)
		if err != nil {
			return agent.Enrollment{}, err
		}
		e, err := agent.EnrollmentOf(r)
		if err != nil {
			return agent.Enrollment{}, fmt.Errorf("enroll %s: %w", deviceID, err)
		}
		return e, nil
	}
}
