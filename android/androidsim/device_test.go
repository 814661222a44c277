package androidsim_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/protocol"
)

// These tests run the real adapter, android.Device, on simulated phones: the
// parsers read what the simulation prints.

func newDevice(p *androidsim.Phone, clk *fakeClock) *android.Device {
	return android.NewDevice(p, android.DeviceConfig{CommandTimeout: 300 * time.Millisecond, Now: clk.Now})
}

// userTypes lists "user:type" for every account of an observation, sorted.
func userTypes(obs agent.Observation) []string {
	var out []string
	for _, u := range obs.Users {
		for _, a := range u.Accounts {
			out = append(out, strconv.Itoa(u.UserID)+":"+a.Type)
		}
	}
	slices.Sort(out)
	return out
}

func problemChecks(obs agent.Observation) []string {
	var out []string
	for _, p := range obs.Problems {
		out = append(out, p.Check+": "+p.Reason)
	}
	return out
}

func TestDeviceObserve(t *testing.T) {
	tests := []struct {
		name     string
		opts     func() androidsim.Options
		tweak    func(*androidsim.Options)
		accounts []string
		fd       protocol.Tri
		lost     protocol.Tri
		rooted   bool
		problems bool
	}{
		{name: "bound Xiaomi, provider denied", opts: androidsim.BoundXiaomi,
			accounts: []string{"0:com.google", "0:com.xiaomi"}, fd: protocol.TriUnknown, lost: protocol.TriOff},
		{name: "bound Xiaomi, provider open", opts: androidsim.BoundXiaomi,
			tweak:    func(o *androidsim.Options) { o.Faults.FindDevice = androidsim.ProviderOpen },
			accounts: []string{"0:com.google", "0:com.xiaomi"}, fd: protocol.TriOn, lost: protocol.TriOff},
		{name: "clean Xiaomi, provider open", opts: androidsim.CleanXiaomi,
			tweak: func(o *androidsim.Options) { o.Faults.FindDevice = androidsim.ProviderOpen },
			fd:    protocol.TriOff, lost: protocol.TriOff},
		{name: "Samsung with Secure Folder", opts: androidsim.SamsungWithSecureFolder,
			accounts: []string{"0:com.google", "0:com.osp.app.signin", "150:com.google"}, fd: protocol.TriUnknown, lost: protocol.TriOff},
		{name: "Pixel", opts: androidsim.GoogleOnly,
			accounts: []string{"0:com.google", "0:com.whatsapp"}, fd: protocol.TriUnknown, lost: protocol.TriOff},
		{name: "lost mode", opts: androidsim.LostModeXiaomi,
			accounts: []string{"0:com.google", "0:com.xiaomi", "0:org.telegram.messenger"}, fd: protocol.TriUnknown, lost: protocol.TriOn},
		{name: "lost-mode key written 0", opts: androidsim.BoundXiaomi,
			tweak:    func(o *androidsim.Options) { o.Faults.LostModeKey = androidsim.LostModeKeyWritten },
			accounts: []string{"0:com.google", "0:com.xiaomi"}, fd: protocol.TriUnknown, lost: protocol.TriOff},
		{name: "clean Xiaomi, lost-mode key absent", opts: androidsim.CleanXiaomi, fd: protocol.TriUnknown, lost: protocol.TriOff},
		{name: "lost-mode key denied", opts: androidsim.LostModeUnreadable, fd: protocol.TriUnknown, lost: protocol.TriUnknown, problems: true},
		{name: "lost-mode key junk", opts: androidsim.LostModeJunk, fd: protocol.TriUnknown, lost: protocol.TriUnknown, problems: true},
		{name: "rooted", opts: androidsim.Rooted,
			accounts: []string{"0:com.google", "0:com.xiaomi"}, fd: protocol.TriUnknown, lost: protocol.TriOff, rooted: true},
		{name: "account dump denied", opts: androidsim.Unreadable, fd: protocol.TriUnknown, lost: protocol.TriOff, problems: true},
		{name: "checkin denied, full dump truncated", opts: androidsim.SamsungWithSecureFolder,
			tweak: func(o *androidsim.Options) {
				o.Faults.Checkin, o.Faults.AccountDump = androidsim.DumpDenied, androidsim.DumpTruncated
			},
			fd: protocol.TriUnknown, lost: protocol.TriOff, problems: true},
		{name: "services not loaded", opts: androidsim.BoundXiaomi,
			tweak: func(o *androidsim.Options) {
				o.Faults.Checkin, o.Faults.AccountDump = androidsim.DumpServicesNotLoaded, androidsim.DumpServicesNotLoaded
			},
			fd: protocol.TriUnknown, lost: protocol.TriOff, problems: true},
		{name: "Find Device provider hangs", opts: androidsim.HangingFindDevice,
			accounts: []string{"0:com.google", "0:com.xiaomi"}, fd: protocol.TriUnknown, lost: protocol.TriOff},
		{name: "Huawei ID", opts: androidsim.HuaweiID,
			accounts: []string{"0:com.huawei.hwid"}, fd: protocol.TriUnknown, lost: protocol.TriOff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			o := tc.opts()
			o.Now = clk.Now
			if tc.tweak != nil {
				tc.tweak(&o)
			}
			p := androidsim.New(o)
			obs, err := newDevice(p, clk).Observe(context.Background())
			require.NoError(t, err)
			id := p.Identity()
			assert.Equal(t, id.Serial, obs.Identity.Serial)
			assert.Equal(t, id.Model, obs.Identity.Model)
			assert.Equal(t, id.SDK, obs.Identity.SDK)
			assert.Equal(t, id.IMEI, obs.Identity.IMEI)
			assert.Equal(t, tc.accounts, userTypes(obs), "problems: %v", problemChecks(obs))
			assert.Equal(t, tc.fd, obs.FindDevice, "reason %q", obs.FindDeviceReason)
			assert.Equal(t, tc.lost, obs.LostMode)
			assert.Equal(t, tc.rooted, obs.Rooted)
			assert.Equal(t, tc.problems, len(obs.Problems) > 0, "problems: %v", problemChecks(obs))
			assert.Empty(t, p.ForbiddenCalls())
		})
	}
}

func TestDeviceObserveUnreachable(t *testing.T) {
	o := androidsim.GoogleOnly()
	o.Faults.Unreachable = true
	_, err := newDevice(androidsim.New(o), newClock()).Observe(context.Background())
	assert.ErrorIs(t, err, android.ErrDeviceUnreachable)
}

// TestDeviceGuideAndPerson: the adapter opens the screen, the simulated
// person acts after their delay, and the next observation shows it.
func TestDeviceGuideAndPerson(t *testing.T) {
	for _, denied := range []bool{false, true} {
		clk := newClock()
		o := androidsim.BoundXiaomi()
		o.Now = clk.Now
		o.Faults.FindDevice = androidsim.ProviderOpen
		o.Faults.XiaomiIntentsDenied = denied
		o.Person = androidsim.Person{Behaviour: androidsim.Complies, Delay: time.Minute}
		p := androidsim.New(o)
		d := newDevice(p, clk)
		ctx := context.Background()

		require.NoError(t, d.Guide(ctx, agent.GuideMiAccount))
		screens := p.Screens()
		require.NotEmpty(t, screens)
		want := androidsim.ScreenMiAccount
		if denied {
			want = androidsim.ScreenAccounts // the adapter's fallback
		}
		assert.Equal(t, want, screens[len(screens)-1].Screen, "denied=%v", denied)
		assert.Len(t, p.Notifications(), 1)

		obs, err := d.Observe(ctx)
		require.NoError(t, err)
		assert.Equal(t, protocol.TriOn, obs.FindDevice)

		clk.Advance(time.Minute)
		obs, err = d.Observe(ctx)
		require.NoError(t, err)
		assert.Equal(t, protocol.TriOff, obs.FindDevice)
		assert.NotContains(t, userTypes(obs), "0:com.xiaomi")
		assert.Empty(t, p.ForbiddenCalls())
	}
}

func TestDeviceFactoryReset(t *testing.T) {
	tests := []struct {
		name   string
		opts   func() androidsim.Options
		method agent.ResetMethod
		screen androidsim.Screen
		via    androidsim.ResetMethod
	}{
		{name: "rooted: broadcast", opts: androidsim.Rooted, method: agent.ResetBroadcast, via: androidsim.ResetBroadcast},
		{name: "Xiaomi: MIUI reset screen", opts: androidsim.CleanXiaomi, method: agent.ResetSettingsScreen,
			screen: androidsim.ScreenReset, via: androidsim.ResetSettings},
		{name: "Pixel: reset screen", opts: androidsim.GoogleOnly, method: agent.ResetSettingsScreen,
			screen: androidsim.ScreenReset, via: androidsim.ResetSettings},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			o := tc.opts()
			o.Now = clk.Now
			o.Person = androidsim.Person{Behaviour: androidsim.Complies, Delay: time.Minute}
			p := androidsim.New(o)
			m, err := newDevice(p, clk).FactoryReset(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tc.method, m)
			if tc.screen != "" {
				screens := p.Screens()
				require.NotEmpty(t, screens)
				assert.Equal(t, tc.screen, screens[len(screens)-1].Screen)
				assert.False(t, p.WasReset(), "the person has not confirmed yet")
				clk.Advance(time.Minute)
			}
			require.True(t, p.WasReset())
			assert.Equal(t, tc.via, p.Resets()[0].Method)
			assert.Empty(t, p.ForbiddenCalls())
		})
	}
}
