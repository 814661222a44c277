package android

import (
	"context"
	"errors"
	"fmt"

	"github.com/unbind/unbind/agent"
)

// notificationTag groups Unbind's notifications so a new one replaces the last.
const notificationTag = "unbind"

// screen is an activity to open and what to tell the person once it shows.
type screen struct {
	argv []string
	// what names the screen in log lines and in the fallback text.
	what string
	text string
}

var syncSettings = screen{
	argv: []string{"am", "start", "-a", "android.settings.SYNC_SETTINGS"},
	what: "accounts screen",
	text: "Remove every Google, Mi, Samsung and Huawei account here (tap the account, then Remove account). You may need each account's password.",
}

// guides maps each step to its screen. Whether the shell user may start the
// Xiaomi screens is open, so each falls back to the accounts screen.
var guides = map[agent.GuideStep]screen{
	agent.GuideMiAccount: {
		argv: []string{"am", "start", "-a", "android.settings.XIAOMI_ACCOUNT_SYNC_SETTINGS", "-p", "com.xiaomi.account"},
		what: "Mi account screen",
		text: "Sign out of the Mi account here (Sign out, then enter the Mi account password).",
	},
	agent.GuideFindDevice: {
		argv: []string{"am", "start", "-a", "com.xiaomi.action.MICLOUD_FIND_DEVICE_GUIDE", "-p", "com.miui.cloudservice"},
		what: "Find Device screen",
		text: "Switch Find Device off here and confirm with the Mi account password.",
	},
	agent.GuideAccounts: syncSettings,
}

// manualHints says how to reach a screen by hand when it cannot be opened.
var manualHints = map[agent.GuideStep]string{
	agent.GuideMiAccount:  "Open Settings > Mi Account, choose Sign out and enter the Mi account password.",
	agent.GuideFindDevice: "Open Settings > Mi Account > Find device, switch it off and enter the Mi account password.",
	agent.GuideAccounts:   "Open Settings > Accounts and remove every Google, Mi, Samsung and Huawei account.",
}

const guideTitle = "Unbind: action needed before reset"

// Guide opens the screen for step and posts a notification telling the
// person what to do there. It does not wait for them. A Xiaomi screen that
// will not open falls back to the accounts screen, and the notification then
// says how to reach the right one by hand. Guide fails only when neither a
// screen nor the notification reached the person.
func (d *Device) Guide(ctx context.Context, step agent.GuideStep) error {
	s, ok := guides[step]
	if !ok {
		return fmt.Errorf("guide %q: %w", step, agent.ErrNotSupported)
	}
	text := s.text
	screenErr := d.openScreen(ctx, s)
	if screenErr != nil && step != agent.GuideAccounts {
		d.log.Info("screen did not open; falling back", logKeyStep, string(step), logKeyReason, Reason(screenErr))
		if d.openScreen(ctx, syncSettings) == nil {
			screenErr = nil
			text = "The " + s.what + " could not be opened, so the accounts screen is shown. " + manualHints[step]
		}
	}
	if screenErr != nil {
		text = manualHints[step]
	}
	if ctx.Err() != nil {
		return fmt.Errorf("guide %s: %w", step, ctx.Err())
	}
	notifyErr := d.notify(ctx, guideTitle, text)
	switch {
	case screenErr != nil && notifyErr != nil:
		return fmt.Errorf("guide %s: no screen and no notification: %w", step, errors.Join(screenErr, notifyErr))
	case screenErr != nil:
		d.log.Warn("no screen opened; notification posted", logKeyStep, string(step), logKeyReason, Reason(screenErr))
	case notifyErr != nil:
		d.log.Warn("screen opened; notification failed", logKeyStep, string(step), logKeyReason, Reason(notifyErr))
	}
	return nil
}

// openScreen starts an activity; am exits 0 on most failures, so its text
// decides.
func (d *Device) openScreen(ctx context.Context, s screen) error {
	res, err := d.run(ctx, s.argv...)
	if err != nil {
		return err
	}
	if err := ParseAMStart(combined(res)); err != nil {
		return fmt.Errorf("%s: %w", s.what, err)
	}
	return failure(res)
}

// notify posts (or replaces) Unbind's notification.
func (d *Device) notify(ctx context.Context, title, text string) error {
	res, err := d.run(ctx, "cmd", "notification", "post", "-t", title, notificationTag, text)
	if err != nil {
		return fmt.Errorf("notification: %w", err)
	}
	if err := denial(combined(res)); err != nil {
		return fmt.Errorf("notification: %w", err)
	}
	if err := failure(res); err != nil {
		return fmt.Errorf("notification: %w", err)
	}
	return nil
}
