package android

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/protocol"
)

// Checks beyond the account list, named as the agent names them.
const (
	CheckDevicePolicy   = agent.CheckDevicePolicy
	CheckSetup          = agent.CheckSetup
	CheckAuthenticators = agent.CheckAuthenticators
)

// readManagement reads who manages the phone from `dumpsys device_policy`,
// which the shell user may read (it holds DUMP).
func (d *Device) readManagement(ctx context.Context) agent.Management {
	res, err := d.run(ctx, "dumpsys", "device_policy")
	if err == nil {
		var p DevicePolicy
		p, err = ParseDevicePolicy(res.Stdout)
		if err = explain(res, err); err == nil {
			return managementOf(p)
		}
	}
	d.log.Info("check failed", logKeyCheck, CheckDevicePolicy, logKeyReason, Reason(err))
	return agent.Management{Reason: Reason(err)}
}

// managementOf keeps what the verdict needs; the admin's account IDs are
// only counted.
func managementOf(p DevicePolicy) agent.Management {
	m := agent.Management{Read: true, DeviceOwner: p.DeviceOwner, ResetRestricted: p.ResetRestricted}
	for _, po := range p.ProfileOwners {
		if po.OrgOwned {
			m.OrgOwnedProfileOwners = append(m.OrgOwnedProfileOwners, agent.ProfileOwner{User: po.User, Package: po.Package})
		}
	}
	if p.FRPPolicyEnabled {
		m.FRPPolicyAccounts = len(p.FRPAccounts)
	}
	return m
}

// readFRPState tells whether the phone already waits at factory reset
// protection. secure_frp_mode is a global setting from API 34 and a secure
// one on 30 to 33; where it cannot be read, a phone that finished setup
// (device_provisioned 1) is past the challenge, which stands only between a
// reset and the end of setup.
func (d *Device) readFRPState(ctx context.Context, sdk int) agent.SetupState {
	var s agent.SetupState
	switch {
	case sdk >= 34:
		s.FRPActive, s.Reason = d.readSettingFlag(ctx, "global", "secure_frp_mode")
	case sdk >= 30:
		s.FRPActive, s.Reason = d.readSettingFlag(ctx, "secure", "secure_frp_mode")
	default:
		s.FRPActive, s.Reason = protocol.TriUnknown, "secure_frp_mode: API level below 30 or unknown"
	}
	if s.FRPActive != protocol.TriUnknown {
		return s
	}
	var reason string
	s.Provisioned, reason = d.readSettingFlag(ctx, "global", "device_provisioned")
	if s.Provisioned != protocol.TriOn {
		s.Reason += "; device_provisioned: " + reason
		d.log.Info("check failed", logKeyCheck, CheckSetup, logKeyReason, s.Reason)
	}
	return s
}

// readSettingFlag reads a 0/1 setting; reason names the setting and what
// went wrong when the answer is unknown.
func (d *Device) readSettingFlag(ctx context.Context, ns, key string) (protocol.Tri, string) {
	res, err := d.run(ctx, "settings", "get", ns, key)
	if err == nil {
		var v int64
		v, err = ParseSettingInt(res.Stdout)
		if err = explain(res, err); err == nil {
			switch v {
			case 1:
				return protocol.TriOn, ""
			case 0:
				return protocol.TriOff, ""
			}
			err = fmt.Errorf("value %d: %w", v, ErrUnrecognized)
		}
	}
	return protocol.TriUnknown, key + ": " + Reason(err)
}

// unjudgedTypes lists the account types the catalogue does not judge by
// type alone.
func unjudgedTypes(users []agent.UserAccounts) []string {
	var types []string
	for _, u := range users {
		for _, a := range u.Accounts {
			if !agent.KnownAccountType(a.Type) && !slices.Contains(types, a.Type) {
				types = append(types, a.Type)
			}
		}
	}
	return types
}

// readAuthenticators names the packages behind the account types the
// catalogue does not know, from the full account dump's services list (read
// only when such a type is present; its account names are dropped).
func (d *Device) readAuthenticators(ctx context.Context, known map[string]string, types []string) map[string]string {
	missing := false
	for _, t := range types {
		if known[t] == "" {
			missing = true
		}
	}
	if !missing {
		return known
	}
	r := d.readDump(ctx, fullForm)
	if r.err != nil {
		d.log.Info("check failed", logKeyCheck, CheckAuthenticators, logKeyReason, Reason(r.err))
		return known
	}
	return r.dump.Authenticators
}

// readSystemPackages lists the system packages, or nil when they cannot
// be read (every judgement that needed them then cannot be told).
func (d *Device) readSystemPackages(ctx context.Context) map[string]bool {
	res, err := d.run(ctx, "pm", "list", "packages", "-s")
	if err == nil {
		var pkgs map[string]bool
		pkgs, err = ParsePackages(res.Stdout)
		if err = explain(res, err); err == nil {
			return pkgs
		}
	}
	d.log.Info("check failed", logKeyCheck, "pm list packages", logKeyReason, Reason(err))
	return nil
}

// runProbes runs every probe of the catalogue that applies to this phone.
func (d *Device) runProbes(ctx context.Context, props Props, pkgs func() map[string]bool) map[string]agent.ProbeResult {
	results := map[string]agent.ProbeResult{}
	for _, p := range agent.Probes {
		run, needPackages := p.Applies(props.Identity, nil)
		if needPackages {
			sys := pkgs()
			if sys == nil {
				results[p.Name] = agent.ProbeResult{State: protocol.TriUnknown,
					Evidence: "the system packages could not be listed"}
				continue
			}
			run, _ = p.Applies(props.Identity, sys)
		}
		if !run {
			continue
		}
		results[p.Name] = d.probe(ctx, p, props)
		if res := results[p.Name]; res.State == protocol.TriUnknown {
			d.log.Info("check failed", logKeyCheck, p.Name, logKeyReason, res.Evidence)
		}
	}
	if len(results) == 0 {
		return nil
	}
	return results
}

// probe runs one probe.
func (d *Device) probe(ctx context.Context, p agent.Probe, props Props) agent.ProbeResult {
	unknown := func(err error) agent.ProbeResult {
		return agent.ProbeResult{State: protocol.TriUnknown, Evidence: Reason(err)}
	}
	switch {
	case p.Setting != nil:
		res, err := d.run(ctx, "settings", "get", p.Setting.Namespace, p.Setting.Key)
		if err != nil {
			return unknown(err)
		}
		v, err := ParseSettingInt(res.Stdout)
		switch err = explain(res, err); {
		case errors.Is(err, ErrNull) && res.ExitCode == 0:
			return agent.ProbeResult{State: protocol.TriOff, Evidence: p.Setting.Key + " absent"}
		case err != nil:
			return unknown(err)
		case v == 1:
			return agent.ProbeResult{State: protocol.TriOn, Evidence: p.Setting.Key + "=1"}
		case v == 0:
			return agent.ProbeResult{State: protocol.TriOff, Evidence: p.Setting.Key + "=0"}
		}
		return unknown(fmt.Errorf("value %d: %w", v, ErrUnrecognized))
	case p.Provider != "":
		res, err := d.run(ctx, "content", "query", "--uri", p.Provider)
		if err != nil {
			return unknown(err)
		}
		rows, err := ParseContentRows(res.Stdout)
		if err = explain(res, err); err != nil {
			return unknown(err)
		}
		if rows > 0 {
			return agent.ProbeResult{State: protocol.TriOn, Evidence: "the provider lists an account"}
		}
		return agent.ProbeResult{State: protocol.TriOff, Evidence: "the provider lists no account"}
	case p.Property != "":
		v, listed := props.Property(p.Property)
		if !listed {
			res, err := d.run(ctx, "getprop", p.Property)
			if err != nil {
				return unknown(err)
			}
			v, err = ParseGetpropValue(res.Stdout)
			if err = explain(res, err); err != nil {
				return unknown(err)
			}
		}
		st := p.PropertyState(v)
		if st == protocol.TriUnknown {
			return agent.ProbeResult{State: st, Evidence: p.Property + " reads " + safeValue(v)}
		}
		return agent.ProbeResult{State: st, Evidence: p.Property + "=" + safeValue(v)}
	}
	return unknown(ErrUnrecognized)
}

// safeValue keeps a property value short and printable: property values
// are a system's words, but a report must not carry anything odd.
func safeValue(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return "(absent)"
	}
	var b strings.Builder
	for _, r := range v {
		if b.Len() >= 32 {
			break
		}
		if r >= 0x20 && r < 0x7f {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

func noAccounts(users []agent.UserAccounts) bool {
	for _, u := range users {
		if len(u.Accounts) > 0 {
			return false
		}
	}
	return true
}

// observeTradeIn reads `tradeinmode getstatus`; ok is false when the phone
// is not in trade-in mode (or the command is unknown before Android 16).
func (d *Device) observeTradeIn(ctx context.Context) (agent.Observation, bool) {
	res, err := d.run(ctx, "tradeinmode", "getstatus")
	if err != nil {
		return agent.Observation{}, false
	}
	st, err := ParseTradeInStatus(res.Stdout)
	if err = explain(res, err); err != nil {
		d.log.Debug("not in trade-in mode", logKeyCheck, "tradeinmode", logKeyReason, Reason(err))
		return agent.Observation{}, false
	}
	obs := agent.Observation{
		Identity:   protocol.Identity{Serial: st.Serial, Manufacturer: st.Manufacturer, Brand: st.Brand, Model: st.Model},
		Setup:      agent.SetupState{FRPActive: protocol.TriOff, Provisioned: protocol.TriOff, TradeIn: true},
		FindDevice: protocol.TriUnknown, LostMode: protocol.TriUnknown, ObservedAt: d.cfg.Now().UTC(),
	}
	if st.FRPLocked {
		obs.Setup.FRPActive = protocol.TriOn
	}
	for _, imei := range st.IMEIs {
		if ValidIMEI(imei) {
			obs.Identity.IMEI = imei
			break
		}
	}
	return obs, true
}
