package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/protocol"
)

// lotBenchEnv sets the size of the lot TestLotBenchmark measures; the test
// is skipped without it (it seeds thousands of phones).
const lotBenchEnv = "UNBIND_LOT_BENCH"

// Limits of bench/lots.md: the report and the labels of a 5,000-phone lot.
const (
	lotBenchMaxSeconds = 10
	lotBenchMaxRSSMiB  = 300
)

// TestLotBenchmark seeds a lot of $UNBIND_LOT_BENCH phones, a third of them
// released with a certificate, and runs the built unbind binary under
// /usr/bin/time for the lot's pack (report.pdf, manifest, certificates)
// and its labels (PDF and ZPL), each a process of its own: wall time and
// peak resident memory per command.
//
//	UNBIND_LOT_BENCH=5000 go test -run TestLotBenchmark -v ./cmd/unbind/
func TestLotBenchmark(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(lotBenchEnv))
	if n <= 0 {
		t.Skip(lotBenchEnv + " is not set: the lot benchmark is skipped")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Skip("/usr/bin/time is missing")
	}
	c := startAuthed(t)
	ctx := context.Background()
	reg := c.Registry()
	seeded := time.Now()
	now := time.Now().UTC()
	updates := make([]registry.Update, 0, n)
	codes := make([]string, 0, n)
	for i := range n {
		id := fmt.Sprintf("bench-%05d", i)
		kinds := []protocol.RiskKind{}
		switch i % 3 {
		case 1:
			kinds = append(kinds, protocol.RiskGoogleFRP)
		case 2:
			kinds = append(kinds, protocol.RiskGoogleFRP, protocol.RiskMiAccount)
		}
		st := state(id, kinds...)
		st.Report.Device.IMEI = fmt.Sprintf("86%013d", i)
		updates = append(updates, registry.Update{DeviceID: id, ReceivedAt: now.Add(-time.Minute), State: st})
		codes = append(codes, id)
	}
	require.NoError(t, reg.Apply(ctx, updates))
	for i := 0; i < n; i += 3 {
		id := codes[i]
		reset := protocol.Command{V: protocol.Version, ID: "reset-" + id, DeviceID: id, Kind: protocol.CommandFactoryReset,
			IssuedAt: now.Add(-40 * time.Second), ExpiresAt: now.Add(time.Hour)}
		require.NoError(t, reg.RecordCommand(ctx, reset, reset.IssuedAt))
		require.NoError(t, reg.Apply(ctx, []registry.Update{{DeviceID: id, ReceivedAt: now.Add(-30 * time.Second), Event: &protocol.CommandEvent{
			V: protocol.Version, DeviceID: id, CommandID: reset.ID, State: protocol.CommandSucceeded, At: now.Add(-30 * time.Second),
			Detail: "wipe_started: root_broadcast"}}}))
		require.NoError(t, reg.CreateRelease(ctx, registry.ReleaseRecord{ID: "rel-" + id, DeviceID: id, Operator: "ana", Stage: "released",
			Outcome: registry.OutcomeReleased, CommandID: reset.ID, CreatedAt: now.Add(-50 * time.Second), Deadline: now.Add(time.Hour),
			FinishedAt: now.Add(-30 * time.Second),
			Evidence:   []registry.ReleaseEvidence{{Kind: "wipe_started", At: now.Add(-30 * time.Second), Source: "agent: root_broadcast"}}}))
		_, _, err := c.IssueCertificate(ctx, id, "ana", "")
		require.NoError(t, err)
	}
	_, err := c.AddLot(ctx, "BENCH-1", "Bench customer", "PO-1", "operator:ana", "")
	require.NoError(t, err)
	for i := 0; i < n; i += controller.MaxJoinCodes {
		_, err := c.JoinLot(ctx, "BENCH-1", codes[i:min(n, i+controller.MaxJoinCodes)], "operator:ana", "")
		require.NoError(t, err)
	}
	t.Logf("seeded %d phones (%d released with a certificate) in %v", n, (n+2)/3, time.Since(seeded).Round(time.Millisecond))

	dir := t.TempDir()
	bin := filepath.Join(dir, "unbind")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build: %s", out)

	token := os.Getenv(cli.TokenEnv)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"lot report", []string{"lot", "report", "BENCH-1", "--dir", filepath.Join(dir, "pack")}},
		{"labels pdf 62mm", []string{"label", "--lot", "BENCH-1", "--out", filepath.Join(dir, "labels.pdf")}},
		{"labels pdf 4x6", []string{"label", "--lot", "BENCH-1", "--stock", "4x6", "--out", filepath.Join(dir, "labels-4x6.pdf")}},
		{"labels zpl", []string{"label", "--lot", "BENCH-1", "--format", "zpl", "--out", filepath.Join(dir, "labels.zpl")}},
		{"cert verify --lot", []string{"cert", "verify", "--lot", filepath.Join(dir, "pack"), "--key", filepath.Join(dir, "controller.pub")}},
	} {
		if tc.name == "cert verify --lot" {
			io, keyOut, _ := testStreams()
			require.NoError(t, keyRun(ctx, io, &keyOptions{API: c.APIURL()}))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "controller.pub"), keyOut.Bytes(), 0o644))
		}
		cmd := exec.Command("/usr/bin/time", append([]string{"-v", bin}, tc.args...)...)
		cmd.Env = append(os.Environ(), "UNBIND_API="+c.APIURL(), cli.TokenEnv+"="+token)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", tc.name, out)
		wall, rss := timeFigures(t, string(out))
		t.Logf("%-18s %d phones: %6.2f s wall, %4d MiB peak RSS", tc.name, n, wall, rss>>10)
		if tc.name != "cert verify --lot" {
			assert.Less(t, wall, float64(lotBenchMaxSeconds), tc.name)
			assert.Less(t, rss>>10, int64(lotBenchMaxRSSMiB), tc.name)
		}
	}
}

var (
	wallRE = regexp.MustCompile(`Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)`)
	rssRE  = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)
)

// timeFigures reads GNU time's wall clock (seconds) and peak RSS (KiB).
func timeFigures(t *testing.T, out string) (float64, int64) {
	t.Helper()
	w := wallRE.FindStringSubmatch(out)
	r := rssRE.FindStringSubmatch(out)
	require.NotNil(t, w, out)
	require.NotNil(t, r, out)
	h, _ := strconv.Atoi(strings.TrimSpace(w[1]))
	m, _ := strconv.Atoi(w[2])
	s, _ := strconv.ParseFloat(w[3], 64)
	kib, _ := strconv.ParseInt(r[1], 10, 64)
	return float64(h*3600+m*60) + s, kib
}
