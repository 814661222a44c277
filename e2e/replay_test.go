package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// rawPhone is an enrolled device ID whose state topic a test publishes to
// by hand, with its own credentials, over a real MQTT connection.
type rawPhone struct {
	id    string
	conn  *mqttconn.Conn
	topic string
}

func dialRawPhone(t *testing.T, c *controllertest.Controller, id string) *rawPhone {
	t.Helper()
	ctx := context.Background()
	e, err := enrollVia(c)(ctx, id)
	require.NoError(t, err)
	conn, err := mqttconn.Dial(ctx, mqttconn.Options{BrokerURL: c.BrokerURL(), ClientID: broker.DeviceClientIDPrefix + id, CleanSession: true,
		Username: e.Username, Password: e.Password})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(0) })
	topic, err := protocol.StateTopic(id)
	require.NoError(t, err)
	return &rawPhone{id: id, conn: conn, topic: topic}
}

// publish sends s (its header filled in) as the phone's state report.
func (p *rawPhone) publish(t *testing.T, s protocol.DeviceState) {
	t.Helper()
	s.V, s.DeviceID = protocol.Version, p.id
	b, err := json.Marshal(s)
	require.NoError(t, err)
	require.NoError(t, p.conn.Publish(context.Background(), p.topic, 1, false, b))
}

// stateReport is a report of a phone: safe, or bound to a Mi account.
func stateReport(seq uint64, epoch string, checkedAt time.Time, bound bool) protocol.DeviceState {
	s := protocol.DeviceState{Seq: seq, Epoch: epoch, Report: protocol.Report{
		Device: protocol.Identity{Serial: "replayed"}, SafeToReset: !bound, Risks: []protocol.Risk{},
		FindDevice: protocol.TriOff, LostMode: protocol.TriOff, CheckedAt: checkedAt.UTC(),
	}}
	if bound {
		s.Risks = []protocol.Risk{{Kind: protocol.RiskMiAccount, Check: "dumpsys account", Evidence: "a Mi account"}}
	}
	return s
}

// TestReportTimeAndEpochReplay replays the trust issue's weaker findings
// over a real broker: a report without an epoch dated 290 s ahead (inside
// the clock skew ingest allows) no longer outranks the honest report of a
// bound phone that follows it; and a report of an epoch the agent left
// behind, replayed after its new epoch reported the phone bound, no longer
// flips the phone back to safe (nor does a report without an epoch).
func TestReportTimeAndEpochReplay(t *testing.T) { onEachBroker(t, testReportTimeAndEpochReplay) }

func testReportTimeAndEpochReplay(t *testing.T, start startController) {
	t.Parallel()
	ctx := context.Background()
	c := start(t)
	verdict := func(id string) protocol.Verdict {
		d, err := c.Registry().Device(ctx, id)
		if err != nil {
			return ""
		}
		return d.Verdict
	}

	t.Run("future-dated report without an epoch", func(t *testing.T) {
		p := dialRawPhone(t, c, "ahead")
		p.publish(t, stateReport(1, "", time.Now().Add(290*time.Second), false))
		eventually(t, func() bool { return verdict("ahead") == protocol.VerdictSafe }, "the report dated +290 s lands")
		p.publish(t, stateReport(2, "", time.Now(), true))
		eventually(t, func() bool { return verdict("ahead") == protocol.VerdictAtRisk }, "the honest report of the bound phone lands at once")
	})

	t.Run("replayed report of a retired epoch", func(t *testing.T) {
		p := dialRawPhone(t, c, "replay")
		old := stateReport(7, "epoch-old", time.Now(), false)
		p.publish(t, old)
		eventually(t, func() bool { return verdict("replay") == protocol.VerdictSafe }, "the old epoch's safe report lands")
		p.publish(t, stateReport(1, "epoch-new", time.Now(), true))
		eventually(t, func() bool { return verdict("replay") == protocol.VerdictAtRisk }, "the new epoch reports the phone bound")

		// One at a time: reports of a device that arrive together are
		// superseded by the newest before the registry sees them.
		for _, replay := range []protocol.DeviceState{old, stateReport(8, "epoch-old", time.Now(), false), stateReport(99, "", time.Now(), false)} {
			before := c.Stats().Stale
			p.publish(t, replay)
			eventually(t, func() bool { return c.Stats().Stale > before }, "the replay of seq %d epoch %q is stale", replay.Seq, replay.Epoch)
			assert.Equal(t, protocol.VerdictAtRisk, verdict("replay"), "no replay flips the phone back to safe")
		}

		p.publish(t, stateReport(2, "epoch-new", time.Now(), false))
		eventually(t, func() bool { return verdict("replay") == protocol.VerdictSafe }, "the current epoch is still heard")
	})
}

// TestRawAccountNameNeverStored: an agent that sends raw account names
// (run with account names shown, or one that ignores the rule) has them
// masked by the controller before they are stored: neither the registry
// file nor the API holds them.
func TestRawAccountNameNeverStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbPath := ""
	c := controllertest.Start(t, func(cfg *controller.Config) { dbPath = cfg.DBPath })
	client := controllertest.Client(t, c)
	const address, miID = "jane.doe@example.com", "2807000558"
	p := dialRawPhone(t, c, "named")
	s := stateReport(1, "e1", time.Now(), true)
	s.Accounts = []protocol.Account{{User: 0, Type: "com.google", Name: address}, {User: 0, Type: "com.xiaomi", Name: miID}}
	s.Risks = []protocol.Risk{
		{Kind: protocol.RiskGoogleFRP, Check: "dumpsys account", Evidence: "signed in as " + address, Account: address},
		{Kind: protocol.RiskMiAccount, Check: "dumpsys account", Evidence: "Mi account", Account: miID},
	}
	p.publish(t, s)
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, "named")
		return err == nil && d.State != nil
	}, "the report lands")

	d, err := client.Device(ctx, "named")
	require.NoError(t, err)
	served, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Contains(t, string(served), "ja***@example.com", "the masked name is served")
	assert.Contains(t, string(served), "28***58")

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.APIURL()+"/api/v1/export?format=json", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+controllertest.AdminToken(t, c))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	export, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", export)

	require.NoError(t, c.Close())
	var file strings.Builder
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(dbPath + suffix)
		if err == nil {
			file.Write(b)
		}
	}
	require.NotZero(t, file.Len())
	for _, raw := range []string{address, "jane.doe", miID} {
		assert.False(t, strings.Contains(string(served), raw), "%q served by the API", raw)
		assert.False(t, strings.Contains(string(export), raw), "%q exported", raw)
		assert.False(t, strings.Contains(file.String(), raw), "%q stored in the registry file", raw)
	}
}
