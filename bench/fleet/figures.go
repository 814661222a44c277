package fleet

import (
	"context"

	"github.com/unbind/unbind/api"
)

// Process is one process of the topology whose CPU and memory a run
// reports.
type Process struct {
	Name string
	// APIURL is a controller's API; empty for the other processes.
	APIURL string
	RSS    func() uint64
	CPU    func() float64
}

// ProcessUse is what one process of the topology used during a run.
type ProcessUse struct {
	Instance string `json:"instance"`
	// RSSBytes is its memory with every agent connected and idle, before
	// the burst; RSSAfterBurstBytes once ingest accounted for the burst.
	// For PostgreSQL, a tree of processes, it is the sum of their
	// proportional set sizes (shared buffers counted once).
	RSSBytes           uint64 `json:"rss_bytes"`
	RSSAfterBurstBytes uint64 `json:"rss_after_burst_bytes"`
	// CPUS is the CPU seconds it used from the first report of the burst
	// until ingest accounted for the last; CPUPer100k is that per 100,000
	// reports published.
	CPUS       float64 `json:"cpu_s"`
	CPUPer100k float64 `json:"cpu_s_per_100k_reports"`
	// ReleaseCPUS is the CPU seconds it used from the release request to
	// the last reset acknowledged.
	ReleaseCPUS *float64 `json:"release_cpu_s,omitempty"`
}

// meters reads the processes of a target: the controllers, then
// PostgreSQL and the broker when they run apart.
type meters struct {
	procs []Process
	use   []ProcessUse
}

func newMeters(t Target) *meters {
	m := &meters{procs: append([]Process(nil), t.Controllers...)}
	for _, p := range []*Process{t.Postgres, t.Broker} {
		if p != nil {
			m.procs = append(m.procs, *p)
		}
	}
	m.use = make([]ProcessUse, len(m.procs))
	for i, p := range m.procs {
		m.use[i].Instance = p.Name
	}
	return m
}

func (m *meters) cpu() []float64 {
	out := make([]float64, len(m.procs))
	for i, p := range m.procs {
		out[i] = cpuOf(p.CPU)
	}
	return out
}

func (m *meters) idle() {
	for i, p := range m.procs {
		m.use[i].RSSBytes = p.RSS()
	}
}

// burst records the CPU used since before (a cpu reading) for reports
// published, and the memory now.
func (m *meters) burst(before []float64, reports uint64) {
	for i, now := range m.cpu() {
		u := &m.use[i]
		u.CPUS = now - before[i]
		if reports > 0 {
			u.CPUPer100k = u.CPUS / float64(reports) * 100_000
		}
		u.RSSAfterBurstBytes = m.procs[i].RSS()
	}
}

func (m *meters) release(before []float64) {
	for i, now := range m.cpu() {
		v := now - before[i]
		m.use[i].ReleaseCPUS = &v
	}
}

// fill puts the figures into the result.
func (m *meters) fill(res *Result, t Target) {
	n := len(t.Controllers)
	if n > 0 {
		res.Controllers = m.use[:n]
	}
	rest := m.use[n:]
	if t.Postgres != nil {
		res.Postgres, rest = &rest[0], rest[1:]
	}
	if t.Broker != nil {
		res.Broker = &rest[0]
	}
}

// ingestCounters sums the ingest counters of every controller: each counts
// only the messages it read itself.
func ingestCounters(ctx context.Context, clients []*api.Client) (api.IngestStats, error) {
	var sum api.IngestStats
	for _, c := range clients {
		s, err := c.Summary(ctx)
		if err != nil {
			return sum, err
		}
		sum.Applied += s.Ingest.Applied
		sum.Superseded += s.Ingest.Superseded
		sum.Stale += s.Ingest.Stale
	}
	return sum, nil
}
