package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/unbind/unbind/bench/fleet"
)

// progressBar redraws one line per stage on w.
func progressBar(w io.Writer) func(stage string, done, total int) {
	var mu sync.Mutex
	last := ""
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		width := 30
		filled := 0
		if total > 0 {
			filled = min(width, done*width/total)
		}
		line := fmt.Sprintf("\r%-10s [%s%s] %d/%d", stage, strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
		if line != last {
			fmt.Fprint(w, line)
			last = line
		}
	}
}

func printTable(w io.Writer, r fleet.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	opt := func(v *float64, format string) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf(format, *v)
	}
	rows := [][2]string{
		{"agents connected", fmt.Sprintf("%d of %d in %.1f s", r.AgentsConnected, r.Agents, r.ConnectS)},
		{"controller RSS idle", fmt.Sprintf("%.1f MiB (%.1f KiB per agent)", float64(r.ControllerRSSBytes)/(1<<20), float64(r.ControllerRSSBytes)/1024/float64(max(1, r.AgentsConnected)))},
		{"reports published", fmt.Sprint(r.ReportsPublished)},
		{"written / superseded", fmt.Sprintf("%d / %d", r.ReportsPersisted, r.Superseded)},
		{"lost", fmt.Sprint(r.Lost)},
		{"stale", fmt.Sprint(r.Stale)},
		{"persisted per s", fmt.Sprintf("%.0f", r.PersistedPerS)},
		{"Mosquitto relay per s", opt(r.ReferenceRelayPerS, "%.0f")},
		{"ratio", opt(r.Ratio, "%.2f")},
		{"CPU s per 100k reports", fmt.Sprintf("%s (Mosquitto %s, ratio %s)", opt(r.CPUPer100k, "%.2f"), opt(r.ReferenceCPUPer100k, "%.2f"), opt(r.CPURatio, "%.2f"))},
		{"release: resets acknowledged", fmt.Sprintf("%d of %d in %s s", r.ReleaseAcknowledged, r.ReleasePhones, opt(r.ReleaseAckS, "%.2f"))},
		{"release: CPU s meanwhile", fmt.Sprintf("controller %s, agents %s (%d cores)", opt(r.ReleaseControllerCPUS, "%.1f"), opt(r.ReleaseAgentsCPUS, "%.1f"), runtime.NumCPU())},
	}
	procs := r.Controllers
	for _, p := range []*fleet.ProcessUse{r.Postgres, r.Broker} {
		if p != nil {
			procs = append(procs, *p)
		}
	}
	for _, p := range procs {
		rows = append(rows, [2]string{p.Instance, fmt.Sprintf("burst CPU %.2f s (%.2f s per 100k reports), release CPU %s s, memory %.1f MiB idle, %.1f MiB after the burst",
			p.CPUS, p.CPUPer100k, opt(p.ReleaseCPUS, "%.2f"), float64(p.RSSBytes)/(1<<20), float64(p.RSSAfterBurstBytes)/(1<<20))})
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	tw.Flush()
}
