package registry

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/unbind/unbind/protocol"
)

// Readers run while the ingest writer and API command writes commit; every
// read must succeed (no SQLITE_BUSY) and see a consistent snapshot.
func TestConcurrentReadsDuringWrites(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		const (
			devices  = 50
			batches  = 40
			perBatch = 25
			readers  = 4
		)
		s := openOn(t, e, Options{})
		ctx := context.Background()
		id := func(i int) string { return fmt.Sprintf("dev-%03d", i%devices) }
		// Every device exists before commands are recorded for it.
		var seed []Update
		for i := range devices {
			seed = append(seed, presenceUpd(id(i), protocol.Online, at(0)))
		}
		applyOK(t, s, seed...)

		done := make(chan struct{})
		var writers errgroup.Group
		writers.Go(func() error {
			n := 0
			for b := range batches {
				batch := make([]Update, 0, perBatch)
				for range perBatch {
					n++
					kinds := []protocol.RiskKind{}
					if n%3 == 0 {
						kinds = append(kinds, mi)
					}
					batch = append(batch, stateUpd(id(n), uint64(n), at(n), report(at(n), kinds...)))
					if n%7 == 0 {
						batch = append(batch, presenceUpd(id(n), protocol.Offline, at(n)))
					}
				}
				if err := s.Apply(ctx, batch); err != nil {
					return fmt.Errorf("batch %d: %w", b, err)
				}
			}
			return nil
		})
		writers.Go(func() error {
			for i := range 100 {
				cmd := command(fmt.Sprintf("cmd-%d", i), id(i), protocol.CommandRefresh, at(i))
				if err := s.RecordCommand(ctx, cmd, at(i)); err != nil {
					return err
				}
				if err := s.SetCommandState(ctx, cmd.ID, protocol.CommandSent, at(i), ""); err != nil {
					return err
				}
			}
			return nil
		})
		var g errgroup.Group
		reads := make([]int, readers)
		for r := range readers {
			g.Go(func() error {
				for {
					sum, err := s.Summary(ctx)
					if err != nil {
						return err
					}
					verdicts := sum.NoState
					for _, n := range sum.ByVerdict {
						verdicts += n
					}
					if sum.Online+sum.Offline != sum.Total || verdicts != sum.Total || sum.Total != devices {
						return fmt.Errorf("inconsistent summary %+v", sum)
					}
					devs, err := s.Devices(ctx, Filter{Bound: true})
					if err != nil {
						return err
					}
					for _, d := range devs {
						if d.Verdict != protocol.VerdictAtRisk || d.State == nil || d.State.Verdict() != d.Verdict {
							return fmt.Errorf("device %s: verdict %q does not match its report", d.ID, d.Verdict)
						}
					}
					if _, err := s.StateHistory(ctx, id(r), 20); err != nil {
						return err
					}
					if _, err := s.Commands(ctx, id(r)); err != nil {
						return err
					}
					reads[r]++
					select {
					case <-done:
						return nil
					default:
					}
				}
			})
		}
		werr := writers.Wait()
		close(done)
		require.NoError(t, werr)
		require.NoError(t, g.Wait())
		for r, n := range reads {
			assert.Positive(t, n, "reader %d ran", r)
		}

		last := batches * perBatch
		d, err := s.Device(ctx, id(last))
		require.NoError(t, err)
		assert.Equal(t, uint64(last), d.StateSeq)
		cmds, err := s.Commands(ctx, "")
		require.NoError(t, err)
		assert.Len(t, cmds, 100)
	})
}
