package android

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/protocol"
)

// Check names used in Problems and log lines.
const (
	CheckUsers      = "pm list users"
	CheckAccounts   = "dumpsys account"
	CheckLostMode   = agent.CheckLostMode
	CheckFindDevice = "find device"
)

// Observe reads the phone, one command after another: properties, IMEI,
// users, accounts, who provides unknown accounts, device policy, the FRP
// state, the makers' probes, Find Device, lost mode and root. A check that fails
// becomes a Problem (Find Device: an unknown state with a reason) and the
// others still run. Observe fails only when the first command could not run
// at all (adb lost the phone) or ctx ends.
//
// Find Device is queried only on a Xiaomi phone, a phone with a Mi account,
// or one that did not say who made it. Elsewhere it is left unknown with
// the reason "not a Xiaomi phone": a Mi account is required for Find Device
// (confirmed), and agent.Assess turns that into off once every account list
// was read.
func (d *Device) Observe(ctx context.Context) (agent.Observation, error) {
	obs := agent.Observation{FindDevice: protocol.TriUnknown, LostMode: protocol.TriUnknown}
	props, err := d.Identify(ctx)
	if err != nil && ctx.Err() == nil && !errors.Is(err, ErrDeviceUnreachable) {
		// A factory-reset Android 16 phone before its setup answers only
		// trade-in mode's status.
		if obs, ok := d.observeTradeIn(ctx); ok {
			return obs, nil
		}
	}
	switch {
	case ctx.Err() != nil:
		return agent.Observation{}, fmt.Errorf("observe: %w", ctx.Err())
	case commandFailed(err):
		return agent.Observation{}, fmt.Errorf("observe: %w", err)
	case err != nil:
		// Not a Problem by itself: the checks that depend on the maker
		// record their own when they cannot tell.
		d.log.Warn("identity unreadable", logKeyCheck, "getprop", logKeyReason, Reason(err))
	}
	obs.Identity = props.Identity
	obs.Identity.IMEI = d.readIMEI(ctx)

	users, err := d.readUsers(ctx)
	if err != nil {
		obs.Problems = append(obs.Problems, d.problem(CheckUsers, nil, err))
	}
	accounts := d.readAccounts(ctx, users)
	obs.Users = accounts.users
	obs.Problems = append(obs.Problems, accounts.problems...)

	// The checks of the lock catalogue: who provides the accounts it does
	// not know, who manages the phone, whether it already waits at FRP,
	// and the makers' own probes. The system packages are listed once, and
	// only when a judgement needs them.
	var pkgs map[string]bool
	pkgsRead := false
	systemPackages := func() map[string]bool {
		if !pkgsRead {
			pkgs, pkgsRead = d.readSystemPackages(ctx), true
		}
		return pkgs
	}
	if types := unjudgedTypes(obs.Users); len(types) > 0 {
		obs.Authenticators = d.readAuthenticators(ctx, accounts.authenticators, types)
		obs.SystemPackages = systemPackages()
	}
	obs.Management = d.readManagement(ctx)
	obs.Setup = d.readFRPState(ctx, props.SDK)
	if obs.Setup.Provisioned == "" && noAccounts(obs.Users) && len(obs.Users) > 0 {
		// A phone with no account may be one just reset: whether it shows
		// its setup screen is the evidence a release looks for after it.
		obs.Setup.Provisioned, _ = d.readSettingFlag(ctx, "global", "device_provisioned")
	}
	obs.Probes = d.runProbes(ctx, props, systemPackages)
	if pkgsRead && obs.SystemPackages == nil {
		obs.SystemPackages = pkgs
	}

	obs.FindDevice, obs.FindDeviceReason = d.readFindDevice(ctx, props, accounts.hasMi)
	lost, err := d.readLostMode(ctx, props)
	obs.LostMode = lost
	if err != nil {
		obs.Problems = append(obs.Problems, d.problem(CheckLostMode, nil, err))
	}
	obs.Rooted = len(d.rootPrefix(ctx)) > 0
	obs.BootID = d.readBootID(ctx)

	if ctx.Err() != nil {
		return agent.Observation{}, fmt.Errorf("observe: %w", ctx.Err())
	}
	obs.ObservedAt = d.cfg.Now().UTC()
	return obs, nil
}

// problem records a failed check; the log line carries the same safe reason.
func (d *Device) problem(check string, user *int, err error) agent.Problem {
	p := agent.Problem{Check: check, User: user, Reason: Reason(err)}
	if user != nil {
		d.log.Info("check failed", logKeyCheck, check, logKeyUser, *user, logKeyReason, p.Reason)
	} else {
		d.log.Info("check failed", logKeyCheck, check, logKeyReason, p.Reason)
	}
	return p
}

// readIMEI returns the IMEI, or "" when it cannot be read: the IMEI is only
// for display and never a risk.
func (d *Device) readIMEI(ctx context.Context) string {
	res, err := d.run(ctx, "service", "call", "iphonesubinfo", "1", "s16", "com.android.shell")
	if err == nil {
		var imei string
		imei, err = ParseIMEI(res.Stdout)
		if err = explain(res, err); err == nil {
			return imei
		}
	}
	d.log.Debug("IMEI unreadable", logKeyCheck, "imei", logKeyReason, Reason(err))
	return ""
}

func (d *Device) readUsers(ctx context.Context) ([]UserInfo, error) {
	res, err := d.run(ctx, "pm", "list", "users")
	if err != nil {
		return nil, err
	}
	users, err := ParseUsers(res.Stdout)
	if err = explain(res, err); err != nil {
		return nil, err
	}
	return users, nil
}

// Find Device provider columns, in the order they are asked.
var findDeviceColumns = []string{"isLastStatusOpen", "isOpen"}

const findDeviceURI = "content://com.xiaomi.finddevice.provider/"

// readFindDevice asks the Find Device provider. isOpen is asked only when
// isLastStatusOpen had no value; when the provider itself refused, hung or
// is missing, asking again would only fail (or hang) again.
func (d *Device) readFindDevice(ctx context.Context, props Props, hasMi bool) (protocol.Tri, string) {
	if props.Known() && !props.IsXiaomi() && !hasMi {
		return protocol.TriUnknown, "not a Xiaomi phone"
	}
	var reasons []string
	for _, col := range findDeviceColumns {
		on, err := d.queryFlag(ctx, findDeviceURI+col, col)
		if err == nil {
			if on {
				return protocol.TriOn, ""
			}
			return protocol.TriOff, ""
		}
		reasons = append(reasons, col+": "+Reason(err))
		d.log.Info("find device unreadable", logKeyCheck, CheckFindDevice+" "+col, logKeyReason, Reason(err))
		if !errors.Is(err, ErrNoResult) && !errors.Is(err, ErrNull) && !errors.Is(err, ErrUnrecognized) {
			break
		}
	}
	return protocol.TriUnknown, strings.Join(reasons, "; ")
}

func (d *Device) queryFlag(ctx context.Context, uri, column string) (bool, error) {
	res, err := d.run(ctx, "content", "query", "--uri", uri)
	if err != nil {
		return false, err
	}
	on, err := ParseContentFlag(res.Stdout, column)
	if err = explain(res, err); err != nil {
		return false, err
	}
	return on, nil
}

// Lost mode is Xiaomi's remote lock. Its setting key is confirmed, and so
// is how the phone reads it: MIUI's and HyperOS's own code
// (MiuiGlobalActions, PowerManagerServiceInjector, WifiDialog, HyperOS
// PowerManagerServiceImpl) calls Settings.Global.getInt(cr, key, 0), so an
// absent key is "not locked" to the phone itself, and any non-zero number is
// locked.
const lostModeKey = "com.xiaomi.system.devicelock.locked"

// LostModeKeyAbsentEvidence is why an absent lost-mode key reads as off.
const LostModeKeyAbsentEvidence = "key absent; MIUI reads it as 0"

// readLostMode reads Xiaomi's lost-mode setting. On a phone known not to be
// a Xiaomi the check does not apply and lost mode is off. On a Xiaomi, or a
// phone of unknown make: a number is the answer (0 off, anything else on),
// "null" (key never written) is off as the phone reads it, and anything
// else (a denial, junk, empty output, a timeout) is unknown.
func (d *Device) readLostMode(ctx context.Context, props Props) (protocol.Tri, error) {
	if props.Known() && !props.IsXiaomi() {
		return protocol.TriOff, nil
	}
	res, err := d.run(ctx, "settings", "get", "global", lostModeKey)
	if err != nil {
		return protocol.TriUnknown, err
	}
	v, err := ParseSettingInt(res.Stdout)
	if err = explain(res, err); err != nil {
		if errors.Is(err, ErrNull) && res.ExitCode == 0 {
			d.log.Info("lost mode off", logKeyCheck, CheckLostMode, logKeyReason, LostModeKeyAbsentEvidence)
			return protocol.TriOff, nil
		}
		return protocol.TriUnknown, fmt.Errorf("settings %s: %w", lostModeKey, err)
	}
	if v != 0 {
		return protocol.TriOn, nil
	}
	return protocol.TriOff, nil
}

// rootPrefix returns the argv prefix that runs a command as root, or nil.
// Magisk and SuperSU take `su -c CMD`; the su of userdebug builds takes
// `su 0 CMD...`. A su that hangs waiting for a grant counts as no root.
func (d *Device) rootPrefix(ctx context.Context) []string {
	res, err := d.run(ctx, "su", "-c", "id")
	if err == nil && ParseRootID(res.Stdout) {
		return []string{"su", "-c"}
	}
	if err != nil {
		d.log.Debug("no root", logKeyCheck, "su", logKeyReason, Reason(err))
		return nil
	}
	res, err = d.run(ctx, "su", "0", "id")
	if err == nil && ParseRootID(res.Stdout) {
		return []string{"su", "0"}
	}
	return nil
}
