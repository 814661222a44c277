package android_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
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
		_, started, err := d.WipeStarted(ctx)
		require.NoError(t, err)
		assert.False(t, started, "nothing confirmed yet")

		_, err = d.FactoryReset(ctx)
		require.NoError(t, err)
		signal, started, err := d.WipeStarted(ctx)
		require.NoError(t, err)
		require.True(t, p.WasReset())
		if hidden {
			assert.False(t, started, "hidden properties show nothing")
			continue
		}
		assert.True(t, started)
		assert.Equal(t, "sys.shutdown.requested=1recovery", signal)

		before := p.BootID()
		p.Reboot()
		assert.NotEqual(t, before, p.BootID())
		_, started, err = d.WipeStarted(ctx)
		require.NoError(t, err)
		assert.False(t, started, "after the reboot the properties are gone")
	}
}
