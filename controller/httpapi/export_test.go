package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// seedBatch fills the registry like a small demo batch: a phone released
// with a certificate, a bound phone, a phone that never reported, and one
// whose model would be a spreadsheet formula. It returns the certificate's
// SHA-256.
func seedBatch(t *testing.T, c *controller.Controller, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	reg := c.Registry()
	clean := controllertest.StateUpdate("mi-clean", now.Add(-time.Minute))
	clean.State.Report.Device = protocol.Identity{Serial: "mi-clean", IMEI: "861234567890123", Manufacturer: "Xiaomi", Model: "Redmi Note 12"}
	bound := controllertest.StateUpdate("pixel-bound", now.Add(-time.Minute), protocol.RiskGoogleFRP, protocol.RiskFindDevice)
	bound.State.Report.Device = protocol.Identity{Serial: "pixel-bound", Manufacturer: "Google", Model: "Pixel 7"}
	evil := controllertest.StateUpdate("evil", now.Add(-time.Minute))
	evil.State.Report.Device = protocol.Identity{Serial: "evil", Manufacturer: "Xiaomi", Model: `=HYPERLINK("http://x.example","open")`}
	old := controllertest.StateUpdate("old", now.Add(-48*time.Hour), protocol.RiskMiAccount)
	require.NoError(t, reg.Apply(ctx, []registry.Update{clean, bound, evil, old,
		{DeviceID: "silent", ReceivedAt: now.Add(-time.Minute), Presence: &protocol.Presence{V: protocol.Version, DeviceID: "silent", Status: protocol.Online, At: now.Add(-time.Minute)}}}))

	reset := protocol.Command{V: protocol.Version, ID: "c-reset", DeviceID: "mi-clean", Kind: protocol.CommandFactoryReset,
		IssuedAt: now.Add(-40 * time.Second), ExpiresAt: now.Add(time.Hour)}
	require.NoError(t, reg.RecordCommand(ctx, reset, reset.IssuedAt))
	require.NoError(t, reg.Apply(ctx, []registry.Update{{DeviceID: "mi-clean", ReceivedAt: now.Add(-30 * time.Second), Event: &protocol.CommandEvent{
		V: protocol.Version, DeviceID: "mi-clean", CommandID: "c-reset", State: protocol.CommandSucceeded, At: now.Add(-30 * time.Second)}}}))
	require.NoError(t, reg.CreateRelease(ctx, registry.ReleaseRecord{ID: "r1", DeviceID: "mi-clean", Operator: "ana", Stage: "released",
		Outcome: registry.OutcomeReleased, CommandID: "c-reset", CreatedAt: now.Add(-55 * time.Second), Deadline: now.Add(time.Hour),
		FinishedAt: now.Add(-30 * time.Second),
		Evidence:   []registry.ReleaseEvidence{{Kind: "wipe_started", At: now.Add(-30 * time.Second), Source: "agent: root_broadcast"}}}))
	require.NoError(t, reg.CreateRelease(ctx, registry.ReleaseRecord{ID: "r2", DeviceID: "pixel-bound", Operator: "bo", Stage: "guide_sign_out",
		CreatedAt: now.Add(-20 * time.Second), Deadline: now.Add(time.Hour)}))
	rec, _, err := c.IssueCertificate(ctx, "mi-clean", "ana", "")
	require.NoError(t, err)
	sum := sha256.Sum256(rec.Document)
	return hex.EncodeToString(sum[:])
}

func TestExport(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	certSum := seedBatch(t, c.Controller, now)
	client := api.NewClient(c.APIURL(), nil).WithToken(controllertest.Token(t, c, controller.RoleViewer))

	var jsonOut bytes.Buffer
	require.NoError(t, client.Export(ctx, api.ExportQuery{Format: api.ExportJSON}, &jsonOut))
	var rows []api.ExportRow
	require.NoError(t, json.Unmarshal(jsonOut.Bytes(), &rows), "%s", jsonOut.String())
	byID := map[string]api.ExportRow{}
	for _, r := range rows {
		byID[r.DeviceID] = r
	}
	require.Len(t, byID, 5)
	cl := byID["mi-clean"]
	assert.Equal(t, "861234567890123", cl.IMEI)
	assert.Equal(t, "Xiaomi", cl.Manufacturer)
	assert.Equal(t, protocol.VerdictSafe, cl.Verdict)
	assert.Equal(t, "r1", cl.ReleaseID)
	assert.Equal(t, registry.OutcomeReleased, cl.ReleaseOutcome)
	assert.Equal(t, "ana", cl.Operator)
	assert.Equal(t, now.Add(-30*time.Second), cl.ReleaseFinishedAt)
	assert.Equal(t, certSum, cl.CertificateSHA256)
	assert.NotEmpty(t, cl.CertificateID)
	b := byID["pixel-bound"]
	assert.Equal(t, protocol.VerdictAtRisk, b.Verdict)
	assert.ElementsMatch(t, []protocol.RiskKind{protocol.RiskGoogleFRP, protocol.RiskFindDevice}, b.RiskKinds)
	assert.Equal(t, "r2", b.ReleaseID)
	assert.Empty(t, b.ReleaseOutcome)
	assert.True(t, b.ReleaseFinishedAt.IsZero())
	assert.Empty(t, b.CertificateSHA256)
	assert.Equal(t, protocol.VerdictUnknown, byID["silent"].Verdict, "no report is never safe")
	assert.Equal(t, `=HYPERLINK("http://x.example","open")`, byID["evil"].Model, "JSON keeps values as they are")

	var csvOut bytes.Buffer
	require.NoError(t, client.Export(ctx, api.ExportQuery{}, &csvOut), "CSV is the default")
	records, err := csv.NewReader(&csvOut).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 6)
	assert.Equal(t, api.ExportColumns, records[0])
	col := map[string]int{}
	for i, name := range records[0] {
		col[name] = i
	}
	csvByID := map[string][]string{}
	for _, r := range records[1:] {
		csvByID[r[col["device_id"]]] = r
	}
	assert.Equal(t, certSum, csvByID["mi-clean"][col["certificate_sha256"]])
	assert.Equal(t, "861234567890123", csvByID["mi-clean"][col["imei"]])
	assert.Equal(t, "google_frp;find_device", csvByID["pixel-bound"][col["risk_kinds"]])
	assert.Equal(t, `'=HYPERLINK("http://x.example","open")`, csvByID["evil"][col["model"]], "formula neutralised")
	assert.Equal(t, now.Add(-55*time.Second).Format(time.RFC3339), csvByID["mi-clean"][col["release_started_at"]])

	for _, tc := range []struct {
		name string
		q    api.ExportQuery
		want []string
	}{
		{"bound", api.ExportQuery{Filter: "bound"}, []string{"old", "pixel-bound"}},
		{"maker and safe", api.ExportQuery{Filter: "manufacturer=xiaomi,safe"}, []string{"evil", "mi-clean"}},
		{"since", api.ExportQuery{Since: now.Add(-time.Hour)}, []string{"evil", "mi-clean", "pixel-bound", "silent"}},
		{"bound since", api.ExportQuery{Filter: "bound", Since: now.Add(-time.Hour)}, []string{"pixel-bound"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Format = api.ExportJSON
			var out bytes.Buffer
			require.NoError(t, client.Export(ctx, tc.q, &out))
			var rows []api.ExportRow
			require.NoError(t, json.Unmarshal(out.Bytes(), &rows))
			var ids []string
			for _, r := range rows {
				ids = append(ids, r.DeviceID)
			}
			assert.Equal(t, tc.want, ids)
		})
	}

	var apiErr *api.Error
	err = client.Export(ctx, api.ExportQuery{Format: "xlsx"}, &bytes.Buffer{})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	err = client.Export(ctx, api.ExportQuery{Filter: "color=red"}, &bytes.Buffer{})
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, apiErr.Message, "color=red")
	err = api.NewClient(c.APIURL(), nil).Export(ctx, api.ExportQuery{}, &bytes.Buffer{})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
}
