package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/release"
)

func phone(o androidsim.Options, serial string, b androidsim.Behaviour) *androidsim.Phone {
	o.Identity.Serial = serial
	if o.Identity.IMEI != "" {
		o.Identity.IMEI = androidsim.IMEIFor(serial) // one IMEI is one phone
	}
	o.Person = androidsim.Person{Behaviour: b, Delay: timing.QuickPerson}
	return androidsim.New(o)
}

// TestRelease drives a small fleet through the release workflow: people who
// sign out, promptly or late, are released and reset, also when the phone is
// unplugged mid-release and comes back; people who never do, a phone in lost
// mode and a phone that cannot be read end as failed; certificates exist for
// the released phones only; and no phone is ever reset while a lock is on it.
func TestRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := controllertest.NewClock()
	c := controllertest.Start(t, clock.Configure)
	// Someone who takes a while, and a phone unplugged mid-release.
	late := phone(androidsim.BoundXiaomi(), "mi-late", androidsim.Complies)
	late.SetPerson(androidsim.Person{Behaviour: androidsim.Complies, Delay: timing.LatePerson})
	away := phone(androidsim.GoogleOnly(), "pixel-away", androidsim.Complies)
	away.SetPerson(androidsim.Person{Behaviour: androidsim.Complies, Delay: timing.AwayPerson})
	willing := []*androidsim.Phone{
		phone(androidsim.BoundXiaomi(), "mi-willing", androidsim.Complies),
		phone(androidsim.SamsungWithSecureFolder(), "sam-willing", androidsim.Complies),
		phone(androidsim.Rooted(), "rooted-willing", androidsim.Complies),
		phone(androidsim.CleanXiaomi(), "mi-clean", androidsim.Complies),
		late,
		away,
	}
	unwilling := []*androidsim.Phone{
		phone(androidsim.BoundXiaomi(), "mi-never", androidsim.Never),
		phone(androidsim.LostModeXiaomi(), "mi-lost", androidsim.Complies),
		phone(androidsim.Unreadable(), "unreadable", androidsim.Complies),
	}
	all := append(append([]*androidsim.Phone{}, willing...), unwilling...)
	fleet := startFleet(t, c.BrokerURL(), all, enrollVia(c))
	everyPhoneReports(t, c, all)

	ids := func(ps []*androidsim.Phone) (out []string) {
		for _, p := range ps {
			out = append(out, p.Serial())
		}
		return out
	}
	good, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: ids(willing), Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)
	// These phones can only fail, at once or at their deadline, which the
	// test reaches on the controller's clock once the others have ended.
	bad, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: ids(unwilling), Operator: "tester", Timeout: timing.HopelessTimeout})
	require.NoError(t, err)

	fleet.Stop(away.Serial())
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, away.Serial())
		return err == nil && !d.Online
	}, "the unplugged phone shows offline")
	require.NoError(t, fleet.Restart(ctx, away.Serial()))

	eventually(t, func() bool {
		for _, r := range good {
			got, err := c.Registry().Release(ctx, r.ID)
			if err != nil || !release.Stage(got.Stage).Terminal() {
				return false
			}
		}
		return true
	}, "every willing phone's release ends")
	clock.Advance(t, timing.HopelessTimeout)
	eventually(t, func() bool {
		for _, r := range append(append(good[:0:0], good...), bad...) {
			got, err := c.Registry().Release(ctx, r.ID)
			if err != nil || !release.Stage(got.Stage).Terminal() {
				return false
			}
		}
		return true
	}, "every release ends")

	for _, r := range good {
		got, err := c.Registry().Release(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, string(release.StageReleased), got.Outcome, "%s: %s", got.DeviceID, got.Reason)
	}
	for _, r := range bad {
		got, err := c.Registry().Release(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, string(release.StageFailed), got.Outcome, "%s", got.DeviceID)
		assert.NotEmpty(t, got.Reason)
	}
	for _, p := range willing {
		eventually(t, p.WasReset, "%s is reset", p.Serial())
	}
	for _, p := range unwilling {
		assert.False(t, p.WasReset(), "%s must not be reset", p.Serial())
	}
	// Certificates exist for the released phones only, and verify.
	token := controllertest.Token(t, c, controller.RoleOperator)
	for _, p := range willing {
		var body api.CertificateBody
		status := postJSON(t, c.APIURL()+"/api/v1/devices/"+p.Serial()+"/certificate", token, `{"note":"tester"}`, &body)
		// Issued by the release loop when its release ended (200), or here
		// if this asked first (201): one certificate either way.
		require.Contains(t, []int{http.StatusOK, http.StatusCreated}, status, p.Serial())
		assert.NoError(t, cert.Verify([]byte(body.File), c.PublicKey()), p.Serial())
		assert.Contains(t, body.File, p.Serial())
	}
	for _, p := range unwilling {
		status := postJSON(t, c.APIURL()+"/api/v1/devices/"+p.Serial()+"/certificate", token, `{"note":"tester"}`, nil)
		assert.Equal(t, http.StatusConflict, status, "no certificate for %s", p.Serial())
	}
	for _, p := range all {
		for _, reset := range p.Resets() {
			assert.Empty(t, reset.Locks, "%s was reset with locks armed", p.Serial())
		}
		assert.Empty(t, p.ForbiddenCalls(), "%s", p.Serial())
	}
}

// postJSON posts body and decodes the answer into v (if not nil).
func postJSON(t *testing.T, url, token, body string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if v != nil && resp.StatusCode/100 == 2 {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	}
	return resp.StatusCode
}
