package android

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/unbind/unbind/agent"
)

const resetTitle = "Unbind: confirm factory reset"

// resetBroadcast is the reset broadcast, sent only as root: the shell user
// lacks MASTER_CLEAR. `cmd testharness` also wipes, but keeps adb keys and
// skips setup, so it is never used.
var resetBroadcast = []string{"am", "broadcast", "-a", "android.intent.action.FACTORY_RESET", "-p", "android"}

const confirmText = "Confirm the factory reset on this screen (Erase all data). Everything on the phone will be deleted."

// Reset screens. The Settings reset is the safe one: it clears FRP and, on
// Xiaomi, asks for the Mi password and switches Find Device off itself.
var (
	// miuiMasterClear is MIUI's own reset page. Settings opens it as a
	// fragment of SubSettings; whether the shell may start that activity is
	// open, hence the fallbacks after it.
	miuiMasterClear = screen{
		argv: []string{"am", "start", "-n", "com.android.settings/.SubSettings",
			"--es", ":android:show_fragment", "com.android.settings.MiuiMasterClear"},
		what: "MIUI reset screen",
		text: confirmText,
	}
	// miuiAboutPhone: on MIUI and HyperOS the reset entry sits at the
	// bottom of About phone.
	miuiAboutPhone = screen{
		argv: []string{"am", "start", "-a", "android.settings.DEVICE_INFO_SETTINGS"},
		what: "About phone screen",
		text: "Tap Factory reset at the bottom of this screen, then Erase all data.",
	}
	masterClear = screen{
		argv: []string{"am", "start", "-a", "android.settings.MASTER_CLEAR"},
		what: "reset screen",
		text: confirmText,
	}
	// privacySettings held "Backup & reset" before Android 9.
	privacySettings = screen{
		argv: []string{"am", "start", "-a", "android.settings.PRIVACY_SETTINGS"},
		what: "backup and reset screen",
		text: "Tap Factory data reset on this screen, then confirm.",
	}
)

// resetPath says where the reset entry is, by maker, for the last resort:
// the Settings home screen.
var resetPath = map[string]string{
	"xiaomi":  "About phone > Factory reset",
	"samsung": "General management > Reset > Factory data reset",
	"huawei":  "System & updates > Reset > Reset phone",
	"":        "System > Reset options > Erase all data (factory reset)",
}

// resetScreens lists the screens to try on this phone, most specific first.
func resetScreens(p Props) []screen {
	maker := makerOf(p)
	var out []screen
	if maker == "xiaomi" {
		out = append(out, miuiMasterClear, miuiAboutPhone)
	}
	out = append(out, masterClear, privacySettings)
	return append(out, screen{
		argv: []string{"am", "start", "-a", "android.settings.SETTINGS"},
		what: "Settings",
		text: "Open " + resetPath[maker] + " and confirm the reset.",
	})
}

func makerOf(p Props) string {
	if p.IsXiaomi() {
		return "xiaomi"
	}
	m := strings.ToLower(p.Manufacturer)
	if _, ok := resetPath[m]; ok {
		return m
	}
	return ""
}

// FactoryReset starts a factory reset. As root it sends the reset broadcast
// and the phone wipes at once (ResetBroadcast). Otherwise it opens the
// maker's reset screen, falling back to the generic ones, and asks the
// person to confirm there (ResetSettingsScreen).
//
// FactoryReset does not check that the phone is safe to reset: the agent
// does, just before calling it. If the broadcast was sent but the phone
// stopped answering, the error wraps ErrResetUnconfirmed with method
// ResetBroadcast: a wiping phone does exactly that.
func (d *Device) FactoryReset(ctx context.Context) (agent.ResetMethod, error) {
	if prefix := d.rootPrefix(ctx); prefix != nil {
		m, err := d.broadcastReset(ctx, prefix)
		if err == nil || errors.Is(err, ErrResetUnconfirmed) || ctx.Err() != nil {
			return m, err
		}
		d.log.Warn("reset broadcast refused; opening the reset screen", logKeyReason, Reason(err))
	}
	props, err := d.Identify(ctx)
	if err != nil && ctx.Err() != nil {
		return "", fmt.Errorf("factory reset: %w", err)
	}
	var errs []error
	for _, s := range resetScreens(props) {
		err := d.openScreen(ctx, s)
		if err == nil {
			if nerr := d.notify(ctx, resetTitle, s.text); nerr != nil {
				d.log.Warn("reset screen opened; notification failed", logKeyReason, Reason(nerr))
			}
			d.log.Info("reset screen opened", logKeyMethod, string(agent.ResetSettingsScreen), logKeyCheck, s.what)
			return agent.ResetSettingsScreen, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return "", fmt.Errorf("factory reset: no reset screen opened: %w", errors.Join(errs...))
}

// broadcastReset sends the reset broadcast through the su form that worked.
func (d *Device) broadcastReset(ctx context.Context, prefix []string) (agent.ResetMethod, error) {
	argv := append([]string{}, prefix...)
	if prefix[len(prefix)-1] == "-c" {
		// `su -c` takes the command as one word for root's shell.
		argv = append(argv, shellJoin(resetBroadcast))
	} else {
		argv = append(argv, resetBroadcast...)
	}
	res, err := d.run(ctx, argv...)
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("factory reset: %w", ctx.Err())
	case err != nil && !errors.Is(err, ErrCommandNotFound):
		return agent.ResetBroadcast, fmt.Errorf("factory reset: %w: %w", ErrResetUnconfirmed, err)
	case err != nil:
		return "", fmt.Errorf("factory reset: %w", err)
	}
	berr := ParseAMBroadcast(combined(res))
	switch {
	case berr == nil:
		d.log.Info("reset broadcast sent", logKeyMethod, string(agent.ResetBroadcast))
		return agent.ResetBroadcast, nil
	case errors.Is(berr, ErrTruncated):
		return agent.ResetBroadcast, fmt.Errorf("factory reset: %w", ErrResetUnconfirmed)
	}
	return "", fmt.Errorf("factory reset broadcast: %w", berr)
}
