package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// TestFutureReportDoesNotStick replays the trust issue's finding: an
// enrolled phone publishes a "safe" report dated in 2099 with a high
// sequence number. It is refused as clock_skew, and the phone's later,
// honest report of a bound phone still lands, so the phone shows at risk.
func TestFutureReportDoesNotStick(t *testing.T) {
	t.Parallel()
	c := controllertest.Start(t)
	ctx := context.Background()
	e, err := enrollVia(c)(ctx, "skewed")
	require.NoError(t, err)
	conn, err := mqttconn.Dial(ctx, mqttconn.Options{BrokerURL: c.BrokerURL(), ClientID: broker.DeviceClientIDPrefix + "skewed", CleanSession: true,
		Username: e.Username, Password: e.Password})
	require.NoError(t, err)
	defer conn.Close(0)
	topic, err := protocol.StateTopic("skewed")
	require.NoError(t, err)

	report := func(seq int, checkedAt time.Time, bound bool) []byte {
		risks, safe := `[]`, true
		if bound {
			risks, safe = `[{"kind":"mi_account","check":"dumpsys account","evidence":"a Mi account"}]`, false
		}
		return fmt.Appendf(nil, `{"v":1,"device_id":"skewed","seq":%d,"device":{"serial":"skewed"},"safe_to_reset":%t,"risks":%s,"find_device":"off","lost_mode":"off","rooted":false,"checked_at":%q}`,
			seq, safe, risks, checkedAt.UTC().Format(time.RFC3339))
	}
	require.NoError(t, conn.Publish(ctx, topic, 1, false, report(1000, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), false)))
	eventually(t, func() bool { return c.Stats().Rejected["clock_skew"] >= 1 }, "the future report is refused as clock_skew")

	require.NoError(t, conn.Publish(ctx, topic, 1, false, report(5, time.Now(), true)))
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, "skewed")
		return err == nil && d.Verdict == protocol.VerdictAtRisk
	}, "the honest report of a bound phone lands after the future one")
	d, err := c.Registry().Device(ctx, "skewed")
	require.NoError(t, err)
	assert.Equal(t, uint64(5), d.StateSeq)
}
