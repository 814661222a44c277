package metrics

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

// ReleaseBuckets are the upper bounds, in seconds, of the release duration
// histogram: a phone already safe takes a minute or two, one whose person
// signs out takes minutes, one given up takes the release timeout (30 min).
var ReleaseBuckets = []float64{30, 60, 120, 300, 600, 900, 1800, 3600, 7200}

// collector reads a controller at scrape time.
type collector struct {
	c       *controller.Controller
	timeout time.Duration

	phones, commands, releasesRunning, releases, releaseSeconds   *prometheus.Desc
	received, superseded, applied, stale, orphans, skipped        *prometheus.Desc
	batches, writeErrors, rejected, pending, brokerClients, ready *prometheus.Desc
	enrollFailed, enrollThrottled                                 *prometheus.Desc
	holds, holdAge                                                *prometheus.Desc
	lotPhones                                                     *prometheus.Desc
}

func newCollector(c *controller.Controller, timeout time.Duration) *collector {
	d := func(sub, name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, sub, name), help, labels, nil)
	}
	return &collector{
		c: c, timeout: timeout,
		phones:          d("", "phones", "Phones in the registry by verdict (unknown includes no report yet) and whether their agent is connected.", "verdict", "online"),
		commands:        d("", "commands", "Commands in the registry by kind and current state.", "kind", "state"),
		releasesRunning: d("release", "running", "Releases not finished yet."),
		releases:        d("release", "finished_total", "Finished releases by outcome.", "outcome"),
		releaseSeconds:  d("release", "duration_seconds", "Time from a release's start to its finish, by outcome.", "outcome"),
		received:        d("ingest", "received_total", "MQTT messages received from agents."),
		superseded:      d("ingest", "superseded_total", "State reports replaced by a newer one of the same phone before they were written."),
		applied:         d("ingest", "applied_total", "Updates written to the registry."),
		stale:           d("ingest", "stale_total", "Updates older than what the registry had."),
		orphans:         d("ingest", "orphans_total", "Command events for commands the registry never recorded."),
		skipped:         d("ingest", "skipped_total", "Updates the registry refused by its own checks or failed to write alone."),
		batches:         d("ingest", "batches_total", "Ingest batches written."),
		writeErrors:     d("ingest", "write_errors_total", "Ingest batches the registry failed to write."),
		rejected:        d("ingest", "rejected_total", "Messages rejected before the registry, by reason.", "reason"),
		pending:         d("ingest", "queue_depth", "Devices with state reports, plus presence changes and events, waiting for the registry writer."),
		brokerClients:   d("broker", "clients_connected", "MQTT clients (agents, monitors) connected to the embedded broker."),
		ready:           d("", "registry_up", "1 when the registry answered this scrape's queries."),
		enrollFailed:    d("enroll", "failed_total", "Refused enrollments."),
		enrollThrottled: d("enroll", "throttled_total", "Enrollment attempts refused, without a registry write, because their address failed too often and their token was no good."),
		holds:           d("release", "holds", "Releases waiting on hold, by reason (operator for an operator's hold).", "reason"),
		holdAge:         d("release", "hold_oldest_seconds", "How long the oldest release on hold has waited, by reason.", "reason"),
		lotPhones: d("lot", "phones", "Phones of each open lot by the state of their newest release (none, running, on_hold, "+
			"or its outcome); closed lots are left out.", "lot", "outcome"),
	}
}

func (k *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{k.phones, k.commands, k.releasesRunning, k.releases, k.releaseSeconds,
		k.received, k.superseded, k.applied, k.stale, k.orphans, k.skipped, k.batches, k.writeErrors, k.rejected,
		k.pending, k.brokerClients, k.ready, k.enrollFailed, k.enrollThrottled, k.holds, k.holdAge, k.lotPhones} {
		ch <- d
	}
}

func (k *collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	s := k.c.Stats()
	counter(k.received, s.Received)
	counter(k.superseded, s.Superseded)
	counter(k.applied, s.Applied)
	counter(k.stale, s.Stale)
	counter(k.orphans, s.Orphans)
	counter(k.skipped, s.Skipped)
	counter(k.batches, s.Batches)
	counter(k.writeErrors, s.WriteErrors)
	for reason, n := range s.Rejected {
		counter(k.rejected, n, reason)
	}
	e := k.c.EnrollStats()
	counter(k.enrollFailed, e.Failed)
	counter(k.enrollThrottled, e.Throttled)
	ch <- prometheus.MustNewConstMetric(k.pending, prometheus.GaugeValue, float64(k.c.IngestPending()))
	if n, ok := k.c.BrokerClients(); ok {
		ch <- prometheus.MustNewConstMetric(k.brokerClients, prometheus.GaugeValue, float64(n))
	}

	ctx, cancel := context.WithTimeout(context.Background(), k.timeout)
	defer cancel()
	t, err := k.c.Registry().Tally(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(k.ready, prometheus.GaugeValue, 0)
		ch <- prometheus.NewInvalidMetric(k.phones, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(k.ready, prometheus.GaugeValue, 1)
	k.collectRegistry(ch, t)
	k.collectLots(ctx, ch)
}

// collectLots counts the phones of open lots only: a lot's series appear
// when it is opened and go when it is closed, so their number stays that of
// the lots in work, not of every lot ever opened. Every state of an open
// lot is present, at 0 when no phone is in it.
func (k *collector) collectLots(ctx context.Context, ch chan<- prometheus.Metric) {
	counts, open, err := k.c.Registry().OpenLotPhones(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(k.lotPhones, err)
		return
	}
	for _, lot := range open {
		for _, state := range registry.LotReleaseStates {
			n := counts[registry.LotState{Lot: lot, State: state}]
			ch <- prometheus.MustNewConstMetric(k.lotPhones, prometheus.GaugeValue, float64(n), lot, state)
		}
	}
}

func (k *collector) collectRegistry(ch chan<- prometheus.Metric, t registry.Tally) {
	gauge := func(d *prometheus.Desc, v int, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	// Every verdict and presence is present, at 0 when no phone has it, so
	// that queries and alerts do not see series come and go.
	phones := map[registry.DeviceKey]int{}
	for _, v := range []protocol.Verdict{protocol.VerdictSafe, protocol.VerdictAtRisk, protocol.VerdictUnknown} {
		phones[registry.DeviceKey{Verdict: v, Online: true}] = 0
		phones[registry.DeviceKey{Verdict: v, Online: false}] = 0
	}
	for key, n := range t.Devices {
		if key.Verdict == "" {
			key.Verdict = protocol.VerdictUnknown // no report yet is never safe
		}
		phones[key] += n
	}
	for key, n := range phones {
		gauge(k.phones, n, string(key.Verdict), boolLabel(key.Online))
	}
	for key, n := range t.Commands {
		gauge(k.commands, n, string(key.Kind), string(key.State))
	}
	gauge(k.releasesRunning, t.Releases[""])
	for outcome, n := range t.Releases {
		if outcome != "" {
			ch <- prometheus.MustNewConstMetric(k.releases, prometheus.CounterValue, float64(n), outcome)
		}
	}
	// Every reason is present, at 0 when nothing waits for it.
	for _, reason := range append(slices.Clone(release.HoldReasons), "operator") {
		gauge(k.holds, t.Holds[reason], reason)
		age := 0.0
		if since, ok := t.HeldSince[reason]; ok && !since.IsZero() {
			age = max(k.c.Now().Sub(since).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(k.holdAge, prometheus.GaugeValue, age, reason)
	}
	for outcome, secs := range t.ReleaseSeconds {
		count, sum, buckets := histogram(secs, ReleaseBuckets)
		ch <- prometheus.MustNewConstHistogram(k.releaseSeconds, count, sum, buckets, outcome)
	}
}

// histogram turns observations into cumulative bucket counts.
func histogram(values, bounds []float64) (count uint64, sum float64, buckets map[float64]uint64) {
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	buckets = make(map[float64]uint64, len(bounds))
	i := 0
	for _, b := range bounds {
		for i < len(sorted) && sorted[i] <= b {
			i++
		}
		buckets[b] = uint64(i)
	}
	for _, v := range sorted {
		sum += v
	}
	return uint64(len(sorted)), sum, buckets
}

func boolLabel(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
