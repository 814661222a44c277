package demo

import (
	"context"
	"slices"
	"strings"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// guidance is the demo's own guidance of the people at phones at risk. It
// never keeps a phone busy: a guided command occupies the agent until its
// goal is seen or it expires (15 minutes), and every other guidance sent
// meanwhile (a release's) would be refused. So the demo guides a phone once
// per state of it (its set of risks), and cancels its command as soon as
// the agent has opened the screen: the person acts on the screen, and the
// phone's next report shows it. A phone whose release runs is left to the
// release's own guidance.
type guidance struct {
	c *controller.Controller
	// guidedAt is, per phone, the state it was last guided in.
	guidedAt map[string]string
	// running is, per phone, the demo's command not yet seen on screen.
	running map[string]string
}

func newGuidance(c *controller.Controller) *guidance {
	return &guidance{c: c, guidedAt: map[string]string{}, running: map[string]string{}}
}

// pass frees the phones whose guidance is on screen, then guides the
// online phones at risk whose state changed since they were last guided.
func (g *guidance) pass(ctx context.Context) {
	for id, cmdID := range g.running {
		cmd, err := g.c.Registry().Command(ctx, cmdID)
		switch {
		case err != nil:
			continue
		case cmd.State.Terminal():
			delete(g.running, id)
		case cmd.State == protocol.CommandInProgress:
			// On screen: the person has been guided; the agent need not
			// stay busy watching for them.
			if _, err := g.c.Cancel(ctx, cmdID); err == nil {
				delete(g.running, id)
			}
		}
	}
	devices, err := g.c.Registry().Devices(ctx, registry.Filter{Bound: true, Online: true})
	if err != nil {
		return
	}
	releasing, err := g.c.Registry().UnfinishedReleases(ctx)
	if err != nil {
		return
	}
	for _, d := range devices {
		kind, state := guidanceFor(d)
		if kind == "" || g.guidedAt[d.ID] == state || g.running[d.ID] != "" ||
			slices.ContainsFunc(releasing, func(r registry.ReleaseRecord) bool { return r.DeviceID == d.ID }) {
			continue
		}
		if cmd, err := g.c.SendCommand(ctx, d.ID, kind); err == nil {
			g.guidedAt[d.ID], g.running[d.ID] = state, cmd.ID
		}
	}
}

// guidanceFor is the command that guides the person at d (sign_out before
// disable_find_device; none for locks only someone elsewhere can clear),
// and d's state as the set of its risks.
func guidanceFor(d registry.Device) (protocol.CommandKind, string) {
	if d.State == nil {
		return "", ""
	}
	var kinds []string
	for _, k := range d.State.RiskKinds() {
		kinds = append(kinds, string(k))
	}
	slices.Sort(kinds)
	state := strings.Join(kinds, ",")
	switch {
	case d.State.HasRisk(protocol.KindsWithRemedy(protocol.RemedySignOut)...):
		return protocol.CommandSignOut, state
	case d.State.HasRisk(protocol.KindsWithRemedy(protocol.RemedySwitchOff)...):
		return protocol.CommandDisableFindDevice, state
	}
	return "", state
}
