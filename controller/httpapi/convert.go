package httpapi

import (
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// The registry's structs are storage; these turn them into the API's types,
// so that neither changes with the other. Lists are never null on the wire.

func deviceOf(d registry.Device) api.Device {
	return api.Device{
		ID: d.ID, Identity: d.Identity, FirstSeen: d.FirstSeen, LastSeen: d.LastSeen, Online: d.Online,
		AgentVersion: d.AgentVersion, PresenceAt: d.PresenceAt, State: d.State, Verdict: d.Verdict,
		StateSeq: d.StateSeq, StateAt: d.StateAt, ClockOffset: secondsOf(d.ClockOffset),
		IdentityConflict: d.ConflictsWith, Disowned: d.DisownedAt, IdentityProblem: d.IdentityProblem(),
	}
}

// secondsOf is a duration in seconds, to the millisecond, for the API;
// nil stays nil.
func secondsOf(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	s := float64(d.Round(time.Millisecond).Milliseconds()) / 1000
	return &s
}

func devicesOf(ds []registry.Device) []api.Device {
	out := make([]api.Device, 0, len(ds))
	for _, d := range ds {
		out = append(out, deviceOf(d))
	}
	return out
}

// stateChangesOf keeps nil as nil: the registry answers an empty history
// with an empty slice, and the API has always passed that through.
func stateChangesOf(cs []registry.StateChange) []api.StateChange {
	if cs == nil {
		return nil
	}
	out := make([]api.StateChange, 0, len(cs))
	for _, c := range cs {
		out = append(out, api.StateChange{At: c.At, Verdict: c.Verdict, RiskKinds: c.RiskKinds,
			FindDevice: c.FindDevice, LostMode: c.LostMode, CheckedAt: c.CheckedAt, Seq: c.Seq})
	}
	return out
}

func presenceChangesOf(cs []registry.PresenceChange) []api.PresenceChange {
	if cs == nil {
		return nil
	}
	out := make([]api.PresenceChange, 0, len(cs))
	for _, c := range cs {
		out = append(out, api.PresenceChange{At: c.At, Status: c.Status})
	}
	return out
}

func commandsOf(cs []registry.CommandRecord) []api.Command {
	if cs == nil {
		return nil
	}
	out := make([]api.Command, 0, len(cs))
	for _, c := range cs {
		var ts []api.CommandTransition
		if c.Transitions != nil {
			ts = make([]api.CommandTransition, 0, len(c.Transitions))
		}
		for _, t := range c.Transitions {
			ts = append(ts, api.CommandTransition{At: t.At, State: t.State, Detail: t.Detail, ReportedAt: t.ReportedAt, BootID: t.Boot})
		}
		out = append(out, api.Command{ID: c.ID, DeviceID: c.DeviceID, Kind: c.Kind, Target: c.Target,
			IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, State: c.State, UpdatedAt: c.UpdatedAt,
			Transitions: ts})
	}
	return out
}

func summaryOf(s registry.Summary) api.Summary {
	return api.Summary{Total: s.Total, Online: s.Online, Offline: s.Offline, ByVerdict: s.ByVerdict, NoState: s.NoState}
}

func releasesOf(rs []registry.ReleaseRecord) []api.Release {
	out := make([]api.Release, 0, len(rs))
	for _, r := range rs {
		rel := api.Release{ID: r.ID, DeviceID: r.DeviceID, BatchID: r.BatchID, Operator: r.Operator, State: r.State(), Stage: r.Stage,
			Instruction: release.Instruction(r.Stage, r.HoldReason, r.ID),
			Outcome:     r.Outcome, Reason: r.Reason, CommandID: r.CommandID, CreatedAt: r.CreatedAt,
			UpdatedAt: r.UpdatedAt, Deadline: r.Deadline, FinishedAt: r.FinishedAt, HoldReason: r.HoldReason, HeldSince: r.HeldSince}
		if r.HoldOnTimeout {
			rel.OnTimeout = api.OnTimeoutHold
		}
		for _, e := range r.Evidence {
			rel.Evidence = append(rel.Evidence, api.ReleaseEvidence{Kind: e.Kind, At: e.At, Source: e.Source})
		}
		out = append(out, rel)
	}
	return out
}

func certificateOf(rec registry.CertificateRecord) api.CertificateBody {
	return api.CertificateBody{ID: rec.ID, DeviceID: rec.DeviceID, ReleaseID: rec.ReleaseID, IssuedAt: rec.IssuedAt,
		File: string(rec.Document), Superseded: rec.Superseded}
}
