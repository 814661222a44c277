package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker/brokertest"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
	"github.com/unbind/unbind/sim/simfleet"
)

const fleetSize = 20

// eventually polls cond; the deadline is generous because -race on two cores
// is slow, and nothing here measures speed.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, 60*time.Second, 50*time.Millisecond, append([]any{msg}, args...)...)
}

// everyPhoneReports waits until every phone is online in c's registry with
// a report.
func everyPhoneReports(t *testing.T, c *controllertest.Controller, phones []*androidsim.Phone) {
	t.Helper()
	eventually(t, func() bool {
		for _, p := range phones {
			d, err := c.Registry().Device(context.Background(), p.Serial())
			if err != nil || d.State == nil || !d.Online {
				return false
			}
		}
		return true
	}, "every phone reports")
}

// enroller obtains a simulated phone's credentials; see enrollVia.
type enroller = func(ctx context.Context, deviceID string) (agent.Enrollment, error)

// enrollVia enrolls each phone with controller c, as `unbind enroll` and
// `unbind-agent enroll` would: a one-time token, exchanged over the API.
func enrollVia(c *controllertest.Controller) enroller {
	return func(ctx context.Context, id string) (agent.Enrollment, error) {
		tok, err := c.NewEnrollmentToken(ctx, time.Hour)
		if err != nil {
			return agent.Enrollment{}, err
		}
		return agent.Enroll(ctx, nil, c.APIURL(), tok.Token, id)
	}
}

// enrollViaAPI is enrollVia for a controller running in another process.
var enrollViaAPI = simfleet.EnrollVia

// startFleet runs phones against the broker at brokerURL. Without an
// enroller the agents reject every command and a broker that checks
// credentials refuses them.
func startFleet(t *testing.T, brokerURL string, phones []*androidsim.Phone, enroll ...enroller) *simfleet.Fleet {
	t.Helper()
	cfg := simfleet.Config{
		BrokerURL: brokerURL, Phones: phones, Interval: 30 * time.Second, ActiveInterval: 200 * time.Millisecond,
		Logger: controllertest.Logger(t), StateDir: t.TempDir(),
	}
	if len(enroll) > 0 {
		cfg.Enroll = enroll[0]
	}
	f := simfleet.Start(context.Background(), cfg)
	t.Cleanup(f.Close)
	return f
}

// checkFleet runs the fleet against c and checks the registry: every device,
// its state, and its offline transition when its agent stops.
func checkFleet(t *testing.T, c *controllertest.Controller) {
	ctx := context.Background()
	phones := androidsim.Fleet(fleetSize, 7)
	fleet := startFleet(t, c.BrokerURL(), phones, enrollVia(c))
	reg := c.Registry()

	eventually(t, func() bool {
		ds, err := reg.Devices(ctx, registry.Filter{Online: true})
		if err != nil || len(ds) != fleetSize {
			return false
		}
		for _, d := range ds {
			if d.State == nil {
				return false
			}
		}
		return true
	}, "all %d devices online with a state", fleetSize)
	assert.Empty(t, fleet.Errors())

	for _, p := range phones {
		d, err := reg.Device(ctx, p.Serial())
		require.NoError(t, err, "device %s", p.Serial())
		require.NotNil(t, d.State)
		assert.Equal(t, p.Serial(), d.Identity.Serial)
		assert.NotZero(t, d.FirstSeen)
		assert.Equal(t, d.State.Verdict(), d.Verdict, "stored verdict matches the report")
		if d.Verdict == protocol.VerdictSafe {
			assert.Empty(t, d.State.Risks, "a safe device carries no risk")
		}
	}
	s, err := reg.Summary(ctx)
	require.NoError(t, err)
	assert.Equal(t, fleetSize, s.Total)
	assert.Positive(t, s.ByVerdict[protocol.VerdictAtRisk], "the mix has bound phones")
	assert.Positive(t, s.ByVerdict[protocol.VerdictSafe], "the mix has clean phones")

	stopped := []string{phones[0].Serial(), phones[1].Serial(), phones[2].Serial()}
	for _, serial := range stopped {
		fleet.Stop(serial)
	}
	eventually(t, func() bool {
		ds, err := reg.Devices(ctx, registry.Filter{Offline: true})
		return err == nil && len(ds) == len(stopped)
	}, "stopped agents show offline")
	for _, serial := range stopped {
		h, err := reg.PresenceHistory(ctx, serial, 10)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(h), 2, "online then offline for %s", serial)
		assert.Equal(t, protocol.Offline, h[0].Status, "newest transition of %s", serial)
		assert.Equal(t, protocol.Online, h[1].Status)
	}
	online, err := reg.Devices(ctx, registry.Filter{Online: true})
	require.NoError(t, err)
	assert.Len(t, online, fleetSize-len(stopped))
}

func TestFleetOnEmbeddedBroker(t *testing.T) {
	t.Parallel()
	checkFleet(t, controllertest.Start(t))
}

func TestFleetOnMosquitto(t *testing.T) {
	t.Parallel()
	url := brokertest.StartMosquitto(t)
	c := controllertest.Start(t, func(cfg *controller.Config) { cfg.BrokerURL = url })
	require.Equal(t, url, c.BrokerURL())
	checkFleet(t, c)
}
