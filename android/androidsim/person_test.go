package androidsim_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
)

// accountTypes lists "user:type" for every account, sorted.
func accountTypes(p *androidsim.Phone) []string {
	var out []string
	for _, u := range p.Users() {
		for _, a := range u.Accounts {
			out = append(out, fmt.Sprintf("%d:%s", u.ID, a.Type))
		}
	}
	slices.Sort(out)
	return out
}

var (
	openMiAccount   = []string{"am", "start", "-a", androidsim.ActionMiAccount, "-p", "com.xiaomi.account"}
	openFindDevice  = []string{"am", "start", "-a", androidsim.ActionFindDevice, "-p", "com.miui.cloudservice"}
	openAccounts    = []string{"am", "start", "-a", androidsim.ActionSync}
	openMasterClear = []string{"am", "start", "-a", androidsim.ActionMasterClear}
)

func TestPerson(t *testing.T) {
	const delay = 30 * time.Second
	tests := []struct {
		name      string
		opts      func() androidsim.Options
		tweak     func(*androidsim.Options)
		behaviour androidsim.Behaviour
		open      [][]string
		before    []string
		after     []string
		fdBefore  bool
		fdAfter   bool
	}{
		{
			name: "complies on the Mi account screen", opts: androidsim.BoundXiaomi, behaviour: androidsim.Complies,
			open:   [][]string{openMiAccount},
			before: []string{"0:com.google", "0:com.xiaomi"}, after: []string{"0:com.google"},
			fdBefore: true, fdAfter: false,
		},
		{
			name: "complies on the Find Device screen", opts: androidsim.BoundXiaomi, behaviour: androidsim.Complies,
			open:   [][]string{openFindDevice},
			before: []string{"0:com.google", "0:com.xiaomi"}, after: []string{"0:com.google", "0:com.xiaomi"},
			fdBefore: true, fdAfter: false,
		},
		{
			name: "complies on the accounts screen, every user", opts: androidsim.SamsungWithSecureFolder, behaviour: androidsim.Complies,
			open:   [][]string{openAccounts},
			before: []string{"0:com.google", "0:com.osp.app.signin", "150:com.google"}, after: nil,
		},
		{
			name: "complies keeps accounts that arm no lock", opts: androidsim.GoogleOnly, behaviour: androidsim.Complies,
			open:   [][]string{openAccounts},
			before: []string{"0:com.google", "0:com.whatsapp"}, after: []string{"0:com.whatsapp"},
		},
		{
			name: "partly removes only the owner's Google account", opts: androidsim.SamsungWithSecureFolder, behaviour: androidsim.Partly,
			open:   [][]string{openAccounts},
			before: []string{"0:com.google", "0:com.osp.app.signin", "150:com.google"},
			after:  []string{"0:com.osp.app.signin", "150:com.google"},
		},
		{
			name: "partly cannot sign out of the Mi account", opts: androidsim.BoundXiaomi, behaviour: androidsim.Partly,
			open:   [][]string{openMiAccount, openFindDevice},
			before: []string{"0:com.google", "0:com.xiaomi"}, after: []string{"0:com.google", "0:com.xiaomi"},
			fdBefore: true, fdAfter: true,
		},
		{
			name: "never acts", opts: androidsim.BoundXiaomi, behaviour: androidsim.Never,
			open:   [][]string{openMiAccount, openFindDevice, openAccounts},
			before: []string{"0:com.google", "0:com.xiaomi"}, after: []string{"0:com.google", "0:com.xiaomi"},
			fdBefore: true, fdAfter: true,
		},
		{
			name: "a screen that was denied is never seen", opts: androidsim.BoundXiaomi, behaviour: androidsim.Complies,
			tweak:  func(o *androidsim.Options) { o.Faults.XiaomiIntentsDenied = true },
			open:   [][]string{openMiAccount},
			before: []string{"0:com.google", "0:com.xiaomi"}, after: []string{"0:com.google", "0:com.xiaomi"},
			fdBefore: true, fdAfter: true,
		},
		{
			name: "the accounts screen is the fallback when Xiaomi screens are denied", opts: androidsim.BoundXiaomi,
			behaviour: androidsim.Complies,
			tweak:     func(o *androidsim.Options) { o.Faults.XiaomiIntentsDenied = true },
			open:      [][]string{openMiAccount, openAccounts},
			before:    []string{"0:com.google", "0:com.xiaomi"}, after: nil,
			fdBefore: true, fdAfter: false,
		},
		{
			name: "a Mi account in clone space is removed too", opts: androidsim.BoundXiaomi, behaviour: androidsim.Complies,
			tweak: func(o *androidsim.Options) {
				o.Users = append(o.Users, androidsim.User{ID: 999, Name: "XSpace", Flags: androidsim.FlagsProfile, Running: true,
					Accounts: []androidsim.Account{{Type: androidsim.TypeXiaomi, Name: "1700000001"}}})
			},
			open:   [][]string{openMiAccount},
			before: []string{"0:com.google", "0:com.xiaomi", "999:com.xiaomi"}, after: []string{"0:com.google"},
			fdBefore: true, fdAfter: false,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			o := tc.opts()
			o.Now = clk.Now
			o.Person = androidsim.Person{Behaviour: tc.behaviour, Delay: delay}
			if tc.tweak != nil {
				tc.tweak(&o)
			}
			p := androidsim.New(o)
			for _, argv := range tc.open {
				run(t, p, argv...)
			}
			clk.Advance(delay - time.Second)
			require.Equal(t, tc.before, accountTypes(p), "nothing happens before the delay")
			require.Equal(t, tc.fdBefore, p.FindDevice())

			clk.Advance(2 * time.Second)
			assert.Equal(t, tc.after, accountTypes(p))
			assert.Equal(t, tc.fdAfter, p.FindDevice())
		})
	}
}

// TestPersonSeenThroughTheShell checks that the person's action shows in
// what the phone prints, not only in its accessors.
func TestPersonSeenThroughTheShell(t *testing.T) {
	clk := newClock()
	o := androidsim.BoundXiaomi()
	o.Now = clk.Now
	o.Faults.FindDevice = androidsim.ProviderOpen
	o.Person = androidsim.Person{Behaviour: androidsim.Complies, Delay: androidsim.LateDelay}
	p := androidsim.New(o)

	checkin := []string{"dumpsys", "account", "--checkin"}
	fd := []string{"content", "query", "--uri", fdURI + "isLastStatusOpen"}
	run(t, p, openMiAccount...)
	assert.Contains(t, string(run(t, p, checkin...).Stdout), "com.xiaomi,1")
	assert.Equal(t, "Row: 0 isLastStatusOpen=1\n", string(run(t, p, fd...).Stdout))

	clk.Advance(androidsim.LateDelay)
	assert.NotContains(t, string(run(t, p, checkin...).Stdout), "com.xiaomi")
	assert.Equal(t, "Row: 0 isLastStatusOpen=0\n", string(run(t, p, fd...).Stdout))
}

func TestReopenedScreenIsScheduledOnce(t *testing.T) {
	clk := newClock()
	o := androidsim.BoundXiaomi()
	o.Now = clk.Now
	o.Person = androidsim.Person{Behaviour: androidsim.Complies, Delay: time.Minute}
	p := androidsim.New(o)
	for range 5 {
		run(t, p, openMiAccount...)
		clk.Advance(10 * time.Second)
	}
	screens := p.Screens()
	require.Len(t, screens, 5)
	assert.Equal(t, androidsim.ScreenMiAccount, screens[0].Screen)
	assert.True(t, strings.HasPrefix(screens[0].Intent, "Intent { act="+androidsim.ActionMiAccount))
	assert.True(t, p.FindDevice(), "the first opening is due at +60s, now is +50s")
	clk.Advance(10 * time.Second)
	assert.False(t, p.FindDevice())
}

func TestNotificationsAreRecorded(t *testing.T) {
	p := androidsim.New(androidsim.GoogleOnly())
	run(t, p, "cmd", "notification", "post", "-t", "Title here", "unbind", "Do this, then that.")
	ns := p.Notifications()
	require.Len(t, ns, 1)
	assert.Equal(t, "Title here", ns[0].Title)
	assert.Equal(t, "unbind", ns[0].Tag)
	assert.Equal(t, "Do this, then that.", ns[0].Text)
}

func TestSetFindDeviceNeedsMiAccount(t *testing.T) {
	p := androidsim.New(androidsim.GoogleOnly())
	require.ErrorIs(t, p.SetFindDevice(true), androidsim.ErrNoMiAccount)
	require.NoError(t, p.AddAccount(0, androidsim.Account{Type: androidsim.TypeXiaomi, Name: "2800000001"}))
	require.NoError(t, p.SetFindDevice(true))
	assert.True(t, p.FindDevice())
	assert.Equal(t, 1, p.RemoveAccounts(androidsim.TypeXiaomi))
	assert.False(t, p.FindDevice(), "Find Device goes off with the last Mi account")
	assert.ErrorIs(t, p.AddAccount(7, androidsim.Account{Type: androidsim.TypeGoogle}), androidsim.ErrNoSuchUser)
}
