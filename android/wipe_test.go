package android_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/protocol"
)

func TestParseBootID(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"kernel's form", "0f6e2c8a-1b2c-4d5e-8f90-a1b2c3d4e5f6\n", "0f6e2c8a-1b2c-4d5e-8f90-a1b2c3d4e5f6"},
		{"denied", "cat: /proc/sys/kernel/random/boot_id: Permission denied\n", ""},
		{"empty", "", ""},
		{"cut", "0f6e2c8a-1b2c-4d5e", ""},
		{"two lines", "0f6e2c8a-1b2c-4d5e-8f90-a1b2c3d4e5f6\n0f6e2c8a-1b2c-4d5e-8f90-a1b2c3d4e5f6\n", ""},
		{"upper case is not the kernel's", "0F6E2C8A-1B2C-4D5E-8F90-A1B2C3D4E5F6", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, android.ParseBootID([]byte(tc.in)))
		})
	}
}

func TestParseWipeProp(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"1recovery", true},
		{"reboot,recovery", true},
		{"reboot,recovery\n", true},
		{"1recovery,quiescent", true},
		{"", false},
		{"1", false}, // a plain reboot
		{"0", false}, // a shutdown
		{"1userrequested", false},
		{"reboot,", false},
		{"shutdown", false},
		{"reboot,bootloader", false},
		{"reboot,recoveryx", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, android.ParseWipeProp(tc.in), "%q", tc.in)
	}
}

// TestWipeStarted: the adapter sees a confirmed Settings reset going down
// into recovery, not before; on a build that hides the properties it sees
// nothing, which is no evidence either way.
func TestWipeStarted(t *testing.T) {
	ctx := context.Background()
	for _, hidden := range []bool{false, true} {
		o := androidsim.CleanXiaomi()
		o.ShutdownHidden = hidden
		o.Person = androidsim.Person{Behaviour: androidsim.Complies}
		p := androidsim.New(o)
		d := android.NewDevice(p, android.DeviceConfig{CommandTimeout: 2 * time.Second})

		obs, err := d.Observe(ctx)
		require.NoError(t, err)
		assert.Equal(t, p.BootID(), obs.BootID)
		sign, err := d.LookForWipe(ctx)
		require.NoError(t, err)
		assert.Zero(t, sign, "nothing confirmed yet")

		_, err = d.FactoryReset(ctx)
		require.NoError(t, err)
		sign, err = d.LookForWipe(ctx)
		require.NoError(t, err)
		require.True(t, p.WasReset())
		if hidden {
			assert.Zero(t, sign, "hidden properties show nothing")
			continue
		}
		assert.Equal(t, agent.WipeSign{Evidence: protocol.EvidenceWipeStarted, Signal: "sys.shutdown.requested=1recovery"}, sign)

		before := p.BootID()
		p.Reboot()
		assert.NotEqual(t, before, p.BootID())
		sign, err = d.LookForWipe(ctx)
		require.NoError(t, err)
		assert.Zero(t, sign, "after the reboot the properties are gone")
	}
}

func TestReadHostState(t *testing.T) {
	started := func(s string) agent.WipeSign {
		return agent.WipeSign{Evidence: protocol.EvidenceWipeStarted, Signal: s}
	}
	lost := agent.WipeSign{Evidence: protocol.EvidenceADBLost, Signal: "adb: not listed"}
	tests := []struct {
		state  string
		listed bool
		want   agent.WipeSign
	}{
		{"recovery", true, started("adb: recovery")},
		{"sideload", true, started("adb: sideload")},
		{"", false, lost},
		{"device", true, agent.WipeSign{}},
		{"offline", true, agent.WipeSign{}},
		{"unauthorized", true, agent.WipeSign{}},
		{"rescue", true, agent.WipeSign{}},
		{"bootloader", true, agent.WipeSign{}},
		{"no permissions (user in plugdev group)", true, agent.WipeSign{}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, android.ReadHostState(tc.state, tc.listed), "%q listed=%v", tc.state, tc.listed)
	}
}

// TestLookForWipeOnBench: an agent on a bench PC sees through adb what the
// phone's own shell cannot show: the phone in recovery after the person
// confirmed (even on a build that hides the shutdown properties), a phone
// gone from adb (a pulled cable looks the same: adb_lost, never a reset),
// and nothing while the phone is still listed as ready.
func TestLookForWipeOnBench(t *testing.T) {
	ctx := context.Background()
	lost := agent.WipeSign{Evidence: protocol.EvidenceADBLost, Signal: "adb: not listed"}
	tests := []struct {
		name string
		opts func(*androidsim.Options)
		act  func(*testing.T, *androidsim.Phone, *android.Device)
		want agent.WipeSign
	}{
		{"nothing confirmed yet", nil, nil, agent.WipeSign{}},
		{"confirmed: recovery", func(o *androidsim.Options) { o.ShutdownHidden = true },
			confirmReset, agent.WipeSign{Evidence: protocol.EvidenceWipeStarted, Signal: "adb: recovery"}},
		{"confirmed, recovery without adbd: lost", func(o *androidsim.Options) {
			o.ShutdownHidden, o.RecoveryUnlisted = true, true
		}, confirmReset, lost},
		{"cable pulled: lost", nil, func(_ *testing.T, p *androidsim.Phone, _ *android.Device) { p.Unplug() }, lost},
		{"cable back: nothing", nil, func(_ *testing.T, p *androidsim.Phone, _ *android.Device) { p.Unplug(); p.Plug() }, agent.WipeSign{}},
		{"wiped and rebooted: USB debugging off", nil, func(t *testing.T, p *androidsim.Phone, d *android.Device) {
			confirmReset(t, p, d)
			p.Reboot()
		}, lost},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := androidsim.CleanXiaomi()
			o.Person = androidsim.Person{Behaviour: androidsim.Complies}
			if tc.opts != nil {
				tc.opts(&o)
			}
			p := androidsim.New(o)
			d := android.NewDevice(p.Bench(), android.DeviceConfig{CommandTimeout: 2 * time.Second})
			if tc.act != nil {
				tc.act(t, p, d)
			}
			sign, err := d.LookForWipe(ctx)
			require.NoError(t, err)
			assert.Equal(t, tc.want, sign)
		})
	}
}

func confirmReset(t *testing.T, p *androidsim.Phone, d *android.Device) {
	t.Helper()
	_, err := d.FactoryReset(context.Background())
	require.NoError(t, err)
	require.True(t, p.WasReset(), "the simulated person confirms the reset")
}
