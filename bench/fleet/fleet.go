package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/api"
)

// Target is the controller under test.
type Target struct {
	APIURL    string
	BrokerURL string
	// Token is an operator's API token (role operator or admin).
	Token string
	// RSS reports the controller's resident memory in bytes (0: unknown).
	RSS func() uint64
	// CPU reports the controller's CPU time so far in seconds (nil: unknown).
	CPU func() float64
	// Controllers, when set, are the controllers sharing the fleet (RSS and
	// CPU above are then their sums): each is measured, and the ingest
	// counters are summed over their APIs. Postgres and Broker are the
	// registry's and the broker's processes when they run apart.
	Controllers      []Process
	Postgres, Broker *Process
}

// Options size the run.
type Options struct {
	Agents  int
	Reports int // per agent, in the burst
	// ReferenceURL is a plain broker (Mosquitto) the same publishers are run
	// against; empty skips the reference.
	ReferenceURL string
	// ReferenceCPU reports the reference broker's CPU time so far in
	// seconds (nil: unknown).
	ReferenceCPU func() float64
	// Release also releases every phone and times the reset acknowledgements.
	Release bool
	// Progress, when set, is told what the run is doing.
	Progress func(stage string, done, total int)
	Workers  int
}

// Result is one run's figures. Rates and times are nil when not measured.
type Result struct {
	Agents             int      `json:"agents"`
	AgentsConnected    int      `json:"agents_connected"`
	ReportsPublished   uint64   `json:"reports_published"`
	ReportsPersisted   uint64   `json:"reports_persisted"`
	Superseded         uint64   `json:"reports_superseded"`
	Lost               uint64   `json:"lost"`
	Stale              uint64   `json:"stale"`
	PersistedPerS      float64  `json:"persisted_per_s"`
	ReferenceRelayPerS *float64 `json:"reference_relay_per_s"`
	Ratio              *float64 `json:"ratio"`
	ConnectS           float64  `json:"connect_s"`
	ControllerRSSBytes uint64   `json:"controller_rss_bytes"`
	// CPU seconds per 100,000 reports of the burst: the controller's
	// (broker, ingest and registry) and Mosquitto's relaying the same
	// publishers to one subscriber; CPURatio is the first over the second.
	CPUPer100k          *float64 `json:"cpu_s_per_100k_reports"`
	ReferenceCPUPer100k *float64 `json:"reference_cpu_s_per_100k_reports"`
	CPURatio            *float64 `json:"cpu_ratio"`
	ReleasePhones       int      `json:"release_phones"`
	ReleaseAcknowledged int      `json:"release_acknowledged"`
	ReleaseAckS         *float64 `json:"release_ack_s"`
	// CPU seconds used from the release request to the last reset
	// acknowledged: by the controller (nil when its CPU is unknown), and by
	// this process, the simulated agents answering (plus the controller when
	// it runs in this process, as in tests). On one machine the release
	// cannot end before the two together have run on its cores.
	ReleaseControllerCPUS *float64 `json:"release_controller_cpu_s"`
	ReleaseAgentsCPUS     *float64 `json:"release_agents_cpu_s"`
	// Per process of the topology (Target.Controllers, Postgres, Broker).
	Controllers []ProcessUse `json:"controllers,omitempty"`
	Postgres    *ProcessUse  `json:"postgres,omitempty"`
	Broker      *ProcessUse  `json:"mosquitto,omitempty"`
}

// Run enrolls and connects the agents, measures them idle, bursts reports,
// optionally runs the reference and a release, and returns the figures.
func Run(ctx context.Context, t Target, o Options) (Result, error) {
	m := newMeters(t)
	res, err := run(ctx, t, o, m)
	m.fill(&res, t)
	return res, err
}

func run(ctx context.Context, t Target, o Options, m *meters) (Result, error) {
	res := Result{Agents: o.Agents}
	client := api.NewClient(t.APIURL, nil).WithToken(t.Token)
	counters := []*api.Client{client}
	if len(t.Controllers) > 0 {
		counters = nil
		for _, c := range t.Controllers {
			counters = append(counters, api.NewClient(c.APIURL, nil).WithToken(t.Token))
		}
	}
	if o.Workers <= 0 {
		o.Workers = 64
	}
	progress := func(stage string, done, total int) {
		if o.Progress != nil {
			o.Progress(stage, done, total)
		}
	}
	agents := make([]*lightAgent, o.Agents)
	for i := range agents {
		a, err := newLightAgent(fmt.Sprintf("bench%06d", i))
		if err != nil {
			return res, err
		}
		agents[i] = a
	}
	defer func() {
		for _, a := range agents {
			a.close()
		}
	}()

	var done atomic.Int64
	enrolled := make(map[*lightAgent]agent.Enrollment, len(agents))
	var enrollMu sync.Mutex
	if errs := parallel(agents, o.Workers, func(a *lightAgent) error {
		e, err := enroll(ctx, client, a.id)
		if err != nil {
			return err
		}
		enrollMu.Lock()
		enrolled[a] = e
		enrollMu.Unlock()
		progress("enroll", int(done.Add(1)), len(agents))
		return nil
	}); len(errs) > 0 {
		return res, fmt.Errorf("enroll %d agents: %d failed, first: %w", len(agents), len(errs), errs[0])
	}

	done.Store(0)
	start := time.Now()
	var connected atomic.Int64
	errs := parallel(agents, o.Workers, func(a *lightAgent) error {
		cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		err := a.connect(cctx, t.BrokerURL, enrolled[a])
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
	time.Sleep(2 * time.Second) // let the idle state settle before reading memory
	if t.RSS != nil {
		res.ControllerRSSBytes = t.RSS()
	}
	m.idle()

	// The burst: every agent publishes its reports as fast as acks allow.
	before, err := ingestCounters(ctx, counters)
	if err != nil {
		return res, err
	}
	done.Store(0)
	cpu0, cpus0 := cpuOf(t.CPU), m.cpu()
	start = time.Now()
	var published atomic.Uint64
	errs = parallel(agents, o.Workers, func(a *lightAgent) error {
		for range o.Reports {
			if err := a.report(ctx); err != nil {
				return err
			}
			published.Add(1)
		}
		progress("burst", int(done.Add(1)), len(agents))
		return nil
	})
	if len(errs) > 0 {
		return res, fmt.Errorf("burst: %d agents failed, first: %w", len(errs), errs[0])
	}
	res.ReportsPublished = published.Load()
	// The controller's work ends when ingest has accounted for every report
	// (the summary is cheap to ask; the device list is not, so it is read
	// only then, and its cost stays out of the CPU figure).
	for {
		in, err := ingestCounters(ctx, counters)
		if err != nil {
			return res, err
		}
		in0 := before
		if in.Applied+in.Superseded+in.Stale-in0.Applied-in0.Superseded-in0.Stale >= res.ReportsPublished || time.Since(start) > 5*time.Minute {
			break
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	elapsed := time.Since(start).Seconds()
	if t.CPU != nil && res.ReportsPublished > 0 {
		v := (cpuOf(t.CPU) - cpu0) / float64(res.ReportsPublished) * 100_000
		res.CPUPer100k = &v
	}
	m.burst(cpus0, res.ReportsPublished)
	// Persisted means: every device holds its newest report.
	want := uint64(o.Reports)
	var seqs map[string]uint64
	for {
		if seqs, err = deviceSeqs(ctx, client); err != nil {
			return res, err
		}
		newest := 0
		for _, a := range agents {
			if seqs[a.id] >= want {
				newest++
			}
		}
		progress("persist", newest, len(agents))
		if newest == len(agents) {
			break
		}
		if time.Since(start) > 5*time.Minute {
			break
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	after, err := ingestCounters(ctx, counters)
	if err != nil {
		return res, err
	}
	for _, a := range agents {
		if s := seqs[a.id]; s < want {
			res.Lost += want - s
		}
	}
	res.ReportsPersisted = after.Applied - before.Applied
	res.Superseded = after.Superseded - before.Superseded
	res.Stale = after.Stale - before.Stale
	res.PersistedPerS = float64(res.ReportsPublished-res.Lost) / elapsed

	if o.ReferenceURL != "" {
		rate, cpu, err := reference(ctx, o.ReferenceURL, o.ReferenceCPU, len(agents), o.Reports, o.Workers, progress)
		if err != nil {
			return res, fmt.Errorf("reference: %w", err)
		}
		ratio := res.PersistedPerS / rate
		res.ReferenceRelayPerS, res.Ratio = &rate, &ratio
		if o.ReferenceCPU != nil && res.CPUPer100k != nil && cpu > 0 {
			v := cpu / float64(len(agents)*o.Reports) * 100_000
			r := *res.CPUPer100k / v
			res.ReferenceCPUPer100k, res.CPURatio = &v, &r
		}
	}

	if o.Release {
		if err := releaseAll(ctx, client, t.CPU, m, agents, &res, progress); err != nil {
			return res, err
		}
	}
	return res, nil
}

// releaseAll has every phone report safe, releases them all in one request
// and waits until every factory_reset is acknowledged.
func releaseAll(ctx context.Context, client *api.Client, controllerCPU func() float64, m *meters, agents []*lightAgent, res *Result, progress func(string, int, int)) error {
	for _, a := range agents {
		a.safe.Store(true)
	}
	if errs := parallel(agents, 64, func(a *lightAgent) error { return a.report(ctx) }); len(errs) > 0 {
		return fmt.Errorf("safe reports: %w", errs[0])
	}
	want := uint64(0)
	for _, a := range agents {
		want = max(want, a.seq.Load())
	}
	for {
		seqs, err := deviceSeqs(ctx, client)
		if err != nil {
			return err
		}
		ok := 0
		for _, a := range agents {
			if seqs[a.id] >= a.seq.Load() {
				ok++
			}
		}
		if ok == len(agents) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	ids := make([]string, len(agents))
	for i, a := range agents {
		ids[i] = a.id
	}
	start := time.Now()
	cpu0, self0, cpus0 := cpuOf(controllerCPU), selfCPU(), m.cpu()
	if _, err := client.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: ids, Note: "bench", TimeoutSeconds: 600}); err != nil {
		return fmt.Errorf("start release: %w", err)
	}
	res.ReleasePhones = len(agents)
	deadline := start.Add(2 * time.Minute)
	for {
		acked, last := 0, int64(0)
		for _, a := range agents {
			if at := a.resetAcked.Load(); at != 0 {
				acked++
				last = max(last, at)
			}
		}
		progress("release", acked, len(agents))
		res.ReleaseAcknowledged = acked
		if acked == len(agents) {
			s := time.Unix(0, last).Sub(start).Seconds()
			res.ReleaseAckS = &s
			agentsCPU := selfCPU() - self0
			res.ReleaseAgentsCPUS = &agentsCPU
			if controllerCPU != nil {
				c := controllerCPU() - cpu0
				res.ReleaseControllerCPUS = &c
			}
			m.release(cpus0)
			return nil
		}
		if time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// selfCPU is this process's CPU time so far in seconds (0 where unknown).
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func cpuOf(f func() float64) float64 {
	if f == nil {
		return 0
	}
	return f()
}

// deviceSeqs is each device's newest state sequence, as the registry holds it.
func deviceSeqs(ctx context.Context, c *api.Client) (map[string]uint64, error) {
	devices, err := c.Devices(ctx, api.DeviceFilter{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]uint64, len(devices))
	for _, d := range devices {
		out[d.ID] = d.StateSeq
	}
	return out, nil
}

func enroll(ctx context.Context, c *api.Client, id string) (agent.Enrollment, error) {
	tok, err := c.NewEnrollmentToken(ctx, 0)
	if err != nil {
		return agent.Enrollment{}, fmt.Errorf("token for %s: %w", id, err)
	}
	return agent.Enroll(ctx, nil, c.Base(), tok.Token, id)
}

var errNoReference = errors.New("no reference broker")
