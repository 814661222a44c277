package android

import (
	"context"
	"fmt"

	"github.com/unbind/unbind/protocol"
)

// Setup is where the phone stands in its own setup, from settings readable
// by the shell user. None of it is needed for the safety verdict; it tells a
// freshly reset phone from one in use, and one stuck at an FRP challenge.
type Setup struct {
	// Provisioned: global device_provisioned is 1 once setup finished.
	Provisioned protocol.Tri `json:"provisioned"`
	// UserSetupComplete: secure user_setup_complete for the current user.
	UserSetupComplete protocol.Tri `json:"user_setup_complete"`
	// FRPActive: secure_frp_mode is 1 only while the phone asks for the
	// previous owner's account. Global on API 34+, secure on 30 to 33,
	// unknown before 30 or when the SDK is unknown.
	FRPActive protocol.Tri `json:"frp_active"`
	// Reasons explains each unknown field, keyed by setting name.
	Reasons map[string]string `json:"reasons,omitempty"`
}

// ReadSetup reads the setup settings. sdk is the phone's API level (0 when
// unknown). It fails only when ctx ends; each unreadable setting is unknown
// with its reason.
func (d *Device) ReadSetup(ctx context.Context, sdk int) (Setup, error) {
	s := Setup{Reasons: map[string]string{}}
	s.Provisioned = d.readFlag(ctx, &s, "global", "device_provisioned")
	s.UserSetupComplete = d.readFlag(ctx, &s, "secure", "user_setup_complete")
	switch {
	case sdk >= 34:
		s.FRPActive = d.readFlag(ctx, &s, "global", "secure_frp_mode")
	case sdk >= 30:
		s.FRPActive = d.readFlag(ctx, &s, "secure", "secure_frp_mode")
	default:
		s.FRPActive = protocol.TriUnknown
		s.Reasons["secure_frp_mode"] = "API level below 30 or unknown"
	}
	if ctx.Err() != nil {
		return Setup{}, fmt.Errorf("read setup: %w", ctx.Err())
	}
	if len(s.Reasons) == 0 {
		s.Reasons = nil
	}
	return s, nil
}

// readFlag reads a 0/1 setting; anything else is unknown.
func (d *Device) readFlag(ctx context.Context, s *Setup, ns, key string) protocol.Tri {
	res, err := d.run(ctx, "settings", "get", ns, key)
	if err == nil {
		var v int64
		v, err = ParseSettingInt(res.Stdout)
		if err = explain(res, err); err == nil {
			switch v {
			case 1:
				return protocol.TriOn
			case 0:
				return protocol.TriOff
			}
			err = fmt.Errorf("value %d: %w", v, ErrUnrecognized)
		}
	}
	s.Reasons[key] = Reason(err)
	return protocol.TriUnknown
}
