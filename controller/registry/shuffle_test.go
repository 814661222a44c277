package registry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// shuffleRuns is how many random orders TestShuffledDeliveryGivesOneRegistry
// applies; UNBIND_SHUFFLE_SEED replays one failing seed.
const shuffleRuns = 25

// shuffleRunsPostgres is fewer: each run is a database of its own.
const shuffleRunsPostgres = 8

// shuffleFleet is what several controllers sharing one subscription would
// receive for a small fleet, each message stamped with the arrival time the
// controller that got it gave it: reports of two agent epochs, presence
// going on and off, and for each device two commands with their agent
// events, one of them delivered twice (QoS 1).
type shuffleFleet struct {
	commands []protocol.Command
	releases []ReleaseRecord
	updates  []Update
}

func newShuffleFleet(devices int) shuffleFleet {
	var f shuffleFleet
	kinds := []protocol.RiskKind{protocol.RiskGoogleFRP, protocol.RiskFindDevice, protocol.RiskMiAccount}
	for d := range devices {
		id := fmt.Sprintf("R58M%04d", d)
		base := d * 100 // seconds: each device's messages in an interval of its own
		rep := func(seq uint64, epoch string, sec int, bound bool) Update {
			r := report(at(base + sec - 1))
			r.Device.Serial = id
			if bound {
				r = report(at(base+sec-1), kinds[d%len(kinds)])
				r.Device.Serial = id
			}
			u := stateUpd(id, seq, at(base+sec), r)
			u.State.Epoch = epoch
			return u
		}
		// Epoch e1 counts 1..4, then the agent lost its state and e2 counts
		// again from 1 (only for every other device).
		f.updates = append(f.updates,
			rep(1, "e1", 1, true), rep(2, "e1", 10, true), rep(3, "e1", 20, d%3 == 0), rep(4, "e1", 30, d%3 == 0),
			presenceUpd(id, protocol.Online, at(base+0)),
			presenceUpd(id, protocol.Offline, at(base+40)),
		)
		if d%2 == 0 {
			f.updates = append(f.updates, rep(1, "e2", 50, d%4 == 0), rep(2, "e2", 60, false),
				presenceUpd(id, protocol.Online, at(base+45)))
		}
		signOut := command("c-signout-"+id, id, protocol.CommandSignOut, at(base+2))
		reset := command("c-reset-"+id, id, protocol.CommandFactoryReset, at(base+31))
		f.commands = append(f.commands, signOut, reset)
		f.updates = append(f.updates,
			eventUpd(id, signOut.ID, protocol.CommandAccepted, at(base+2), "", at(base+3)),
			eventUpd(id, signOut.ID, protocol.CommandInProgress, at(base+4), "step 1", at(base+5)),
			eventUpd(id, signOut.ID, protocol.CommandInProgress, at(base+6), "step 2", at(base+7)),
			eventUpd(id, reset.ID, protocol.CommandAccepted, at(base+31), "", at(base+32)),
		)
		if d%3 != 2 { // the others are still in progress
			f.updates = append(f.updates, eventUpd(id, signOut.ID, protocol.CommandSucceeded, at(base+8), "", at(base+9)))
		}
		last := eventUpd(id, reset.ID, protocol.CommandInProgress, at(base+33), "resetting", at(base+34))
		if d%2 == 1 {
			last = eventUpd(id, reset.ID, protocol.CommandFailed, at(base+33), "refused", at(base+34))
		}
		// The same message delivered again arrives later.
		again := last
		again.ReceivedAt = at(base + 36)
		f.updates = append(f.updates, last, again)
		f.releases = append(f.releases, ReleaseRecord{
			ID: "rel-" + id, DeviceID: id, Operator: "op", Stage: "reset", CommandID: reset.ID,
			CreatedAt: at(base), Deadline: at(base + 3600),
		})
	}
	return f
}

// registrySnapshot is what the controllers act on: every device as read,
// every command with its steps, and what each release would decide on
// (release.Next is a pure function of these inputs), plus the fleet counts.
type registrySnapshot struct {
	Devices  []Device
	Commands map[string][]CommandRecord
	Inputs   ReleaseInputs
	Summary  Summary
}

func snapshot(t *testing.T, s *Store, f shuffleFleet) registrySnapshot {
	t.Helper()
	ctx := context.Background()
	var snap registrySnapshot
	var err error
	snap.Devices, err = s.Devices(ctx, Filter{})
	require.NoError(t, err)
	snap.Commands = map[string][]CommandRecord{}
	for _, d := range snap.Devices {
		snap.Commands[d.ID], err = s.Commands(ctx, d.ID)
		require.NoError(t, err)
	}
	snap.Inputs, err = s.ReleaseInputsOf(ctx, f.releases)
	require.NoError(t, err)
	snap.Summary, err = s.Summary(ctx)
	require.NoError(t, err)
	return snap
}

// applyInOrder builds a registry from the fleet's messages applied in
// order, in batches of random sizes (as the ingesters of several
// controllers cut them), with the commands recorded first.
func applyInOrder(t *testing.T, e engine, f shuffleFleet, order []Update, rng *rand.Rand) *Store {
	t.Helper()
	ctx := context.Background()
	s := openOn(t, e, Options{})
	// The devices exist (enrolled) before any command is recorded for them.
	var first []Update
	for _, c := range f.commands {
		if c.Kind == protocol.CommandSignOut {
			first = append(first, presenceUpd(c.DeviceID, protocol.Offline, t0.Add(-time.Hour)))
		}
	}
	applyOK(t, s, first...)
	for _, c := range f.commands {
		require.NoError(t, s.RecordCommand(ctx, c, c.IssuedAt))
	}
	require.NoError(t, s.CreateReleases(ctx, f.releases))
	for len(order) > 0 {
		n := min(len(order), 1+rng.IntN(8))
		applyOK(t, s, order[:n]...)
		order = order[n:]
	}
	return s
}

// TestShuffledDeliveryGivesOneRegistry is the rule several controllers
// sharing one subscription rest on: whichever controller receives which
// message, and in whatever order their writes land, the registry ends the
// same. The (epoch, seq) order of reports, the arrival order of presence
// and the rank of command states make every write order-independent.
func TestShuffledDeliveryGivesOneRegistry(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e engine) {
		f := newShuffleFleet(12)
		seed := uint64(time.Now().UnixNano())
		if s := os.Getenv("UNBIND_SHUFFLE_SEED"); s != "" {
			var err error
			seed, err = strconv.ParseUint(s, 10, 64)
			require.NoError(t, err, "UNBIND_SHUFFLE_SEED")
		}
		t.Logf("seed %d (rerun with UNBIND_SHUFFLE_SEED=%d)", seed, seed)
		rng := rand.New(rand.NewPCG(seed, seed))

		want := snapshot(t, applyInOrder(t, e, f, f.updates, rng), f)
		require.Len(t, want.Devices, 12)
		runs := shuffleRuns
		if e == enginePostgres {
			runs = shuffleRunsPostgres
		}
		for run := range runs {
			order := append([]Update(nil), f.updates...)
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			got := snapshot(t, applyInOrder(t, e, f, order, rng), f)
			// Device by device, so that a failure names the first that differs.
			for i := range want.Devices {
				id := want.Devices[i].ID
				require.Equal(t, want.Devices[i], got.Devices[i], "device %s, run %d of seed %d", id, run, seed)
				require.Equal(t, want.Commands[id], got.Commands[id], "commands of %s, run %d of seed %d", id, run, seed)
			}
			require.Equal(t, want, got, "run %d of seed %d", run, seed)
		}
	})
}
