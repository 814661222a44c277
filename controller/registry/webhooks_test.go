package registry

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func addHook(t *testing.T, s *Store, id string, events ...string) {
	t.Helper()
	require.NoError(t, s.AddWebhook(context.Background(), Webhook{ID: id, URL: "https://example.test/" + id,
		Events: events, Secret: "secret-" + id, CreatedAt: at(0)}, "operator:ana"))
}

// claimAll claims every due delivery at now and decodes its event.
func claimAll(t *testing.T, s *Store, now time.Time) []WebhookEvent {
	t.Helper()
	ds, err := s.ClaimDeliveries(context.Background(), now, time.Minute, 100)
	require.NoError(t, err)
	var out []WebhookEvent
	for _, d := range ds {
		var ev WebhookEvent
		require.NoError(t, json.Unmarshal(d.Body, &ev))
		assert.Equal(t, d.EventID, ev.ID)
		out = append(out, ev)
	}
	return out
}

func eventTypes(evs []WebhookEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// TestVerdictEventsInApply: a report that crosses the safe line writes one
// event per subscribed webhook in the ingest transaction; one that does not
// writes none, and nothing is written for event types nobody subscribed to.
func TestVerdictEventsInApply(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := openOn(t, e, Options{})
		addHook(t, s, "h1", EventDeviceAtRisk, EventDeviceSafe)
		addHook(t, s, "h2", EventDeviceSafe)
		addHook(t, s, "h3", EventReleaseFailed)

		steps := []struct {
			name  string
			kinds []protocol.RiskKind
			want  []string // event types delivered, over all webhooks
		}{
			{"first report bound", []protocol.RiskKind{protocol.RiskMiAccount}, []string{EventDeviceAtRisk}},
			{"still bound, other kinds", []protocol.RiskKind{protocol.RiskGoogleFRP}, nil},
			{"bound to unknown stays not safe", []protocol.RiskKind{protocol.RiskUnknown}, nil},
			{"safe", nil, []string{EventDeviceSafe, EventDeviceSafe}},
			{"safe again", nil, nil},
			{"bound again", []protocol.RiskKind{protocol.RiskMiAccount}, []string{EventDeviceAtRisk}},
		}
		for i, st := range steps {
			applyOK(t, s, stateUpd("d1", uint64(i+1), at(i+1), report(at(i+1), st.kinds...)))
			got := claimAll(t, s, at(i+1))
			assert.ElementsMatch(t, st.want, eventTypes(got), st.name)
		}

		ds, err := s.Deliveries(context.Background(), DeliveryFilter{WebhookID: "h2"})
		require.NoError(t, err)
		require.Len(t, ds, 1)
		assert.Equal(t, EventDeviceSafe, ds[0].EventType)
		ds, err = s.Deliveries(context.Background(), DeliveryFilter{WebhookID: "h3"})
		require.NoError(t, err)
		assert.Empty(t, ds)
	})
}

func TestVerdictEventPayload(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := openOn(t, e, Options{})
		addHook(t, s, "h1", EventDeviceAtRisk)
		r := report(at(1), protocol.RiskMiAccount)
		r.Accounts = []protocol.Account{{User: 0, Type: "com.xiaomi", Name: "28***58"}}
		r.Device.IMEI = "860000000000001"
		applyOK(t, s, stateUpd("d1", 1, at(1), r))
		ds, err := s.ClaimDeliveries(context.Background(), at(1), time.Minute, 10)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		var ev struct {
			ID, Type string
			Data     DeviceEventData
		}
		require.NoError(t, json.Unmarshal(ds[0].Body, &ev))
		assert.Equal(t, DeviceEventData{DeviceID: "d1", Serial: "SER1", Manufacturer: "Xiaomi", Model: "Note 12",
			Verdict: "at_risk", RiskKinds: []string{"mi_account"}}, ev.Data)
		assert.NotContains(t, string(ds[0].Body), "28***58", "no account names")
		assert.NotContains(t, string(ds[0].Body), "860000000000001", "no IMEI")
	})
}

// TestReleaseEventsInStep: a release's finish writes release.<outcome>
// once, in the transaction that finishes it; a failed step writes nothing.
func TestReleaseEventsInStep(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		addHook(t, s, "h1", EventReleaseFailed, EventReleaseReleased, EventReleaseCanceled)
		applyOK(t, s, presenceUpd("d1", protocol.Online, at(0)))
		require.NoError(t, s.CreateRelease(ctx, releaseRec("r1", "d1", at(1))))
		assert.Empty(t, claimAll(t, s, at(1)), "starting a release is no event")

		r, err := s.Release(ctx, "r1")
		require.NoError(t, err)
		r.Stage, r.UpdatedAt = "sign_out", at(2)
		require.NoError(t, s.UpdateRelease(ctx, r))
		assert.Empty(t, claimAll(t, s, at(2)))

		// A step that fails as a whole (the second names no release) rolls the
		// event back with it.
		fin := r
		fin.Stage, fin.Outcome, fin.Reason, fin.UpdatedAt, fin.FinishedAt = "failed", "failed", "timed out in sign_out: mi_account", at(3), at(3)
		require.Error(t, s.StepReleases(ctx, []ReleaseStep{{Release: fin}, {Release: releaseRec("ghost", "d1", at(3))}}))
		assert.Empty(t, claimAll(t, s, at(3)))

		require.NoError(t, s.UpdateRelease(ctx, fin))
		got := claimAll(t, s, at(3))
		require.Len(t, got, 1)
		assert.Equal(t, EventReleaseFailed, got[0].Type)
		var d ReleaseEventData
		require.NoError(t, json.Unmarshal(got[0].Data, &d))
		assert.Equal(t, ReleaseEventData{ReleaseID: "r1", DeviceID: "d1", Operator: "ana", Outcome: "failed",
			Reason: "timed out in sign_out: mi_account", CreatedAt: at(1), FinishedAt: at(3)}, d)

		// Saving the finished release again is no second event.
		fin.UpdatedAt = at(4)
		require.NoError(t, s.UpdateRelease(ctx, fin))
		assert.Empty(t, claimAll(t, s, at(4)))
	})
}

// TestDeliveryLifecycle: a claim hides a delivery for its lease, attempts
// are recorded, removal cancels what is pending, and the wake channel fires
// after commits that wrote deliveries only.
func TestDeliveryLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		addHook(t, s, "h1", EventDeviceAtRisk)
		select {
		case <-s.OutboxWake():
			t.Fatal("adding a webhook wrote no delivery")
		default:
		}
		applyOK(t, s, stateUpd("d1", 1, at(1), report(at(1), protocol.RiskMiAccount)))
		select {
		case <-s.OutboxWake():
		default:
			t.Fatal("no wake after a delivery was written")
		}

		ds, err := s.ClaimDeliveries(ctx, at(1), time.Minute, 10)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		again, err := s.ClaimDeliveries(ctx, at(30), time.Minute, 10)
		require.NoError(t, err)
		assert.Empty(t, again, "leased")
		next, ok, err := s.NextDeliveryAt(ctx)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, at(61), next)

		require.NoError(t, s.RecordAttempt(ctx, Attempt{DeliveryID: ds[0].ID, At: at(2), Counted: true, Status: 503,
			State: DeliveryPending, NextAt: at(12)}))
		got, err := s.Deliveries(ctx, DeliveryFilter{})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, Delivery{ID: ds[0].ID, WebhookID: "h1", EventID: ds[0].EventID, EventType: EventDeviceAtRisk,
			State: DeliveryPending, Attempts: 1, NextAt: at(12), CreatedAt: at(1), LastAt: at(2), LastStatus: 503}, got[0])

		// An attempt cut short by a stop is not counted and is due at once.
		ds, err = s.ClaimDeliveries(ctx, at(12), time.Minute, 10)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		assert.Equal(t, 1, ds[0].Attempts)
		require.NoError(t, s.RecordAttempt(ctx, Attempt{DeliveryID: ds[0].ID, At: at(13), State: DeliveryPending}))
		got, err = s.Deliveries(ctx, DeliveryFilter{State: DeliveryPending})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, 1, got[0].Attempts)
		assert.Equal(t, at(13), got[0].NextAt)

		require.NoError(t, s.RemoveWebhook(ctx, "h1", "operator:ana", at(14)))
		require.ErrorIs(t, s.RemoveWebhook(ctx, "h1", "operator:ana", at(14)), ErrNotFound)
		got, err = s.Deliveries(ctx, DeliveryFilter{})
		require.NoError(t, err)
		assert.Equal(t, DeliveryCanceled, got[0].State)
		// A 2xx arriving after the removal leaves it canceled.
		require.NoError(t, s.RecordAttempt(ctx, Attempt{DeliveryID: got[0].ID, At: at(15), Counted: true, Status: 200, State: DeliveryDelivered}))
		got, err = s.Deliveries(ctx, DeliveryFilter{})
		require.NoError(t, err)
		assert.Equal(t, DeliveryCanceled, got[0].State)
		_, ok, err = s.NextDeliveryAt(ctx)
		require.NoError(t, err)
		assert.False(t, ok)

		// Removed webhooks get no new events.
		applyOK(t, s, stateUpd("d2", 1, at(20), report(at(20), protocol.RiskMiAccount)))
		assert.Empty(t, claimAll(t, s, at(20)))
		_, err = s.TestWebhook(ctx, "h1", at(21))
		require.ErrorIs(t, err, ErrNotFound)
	})
}

func TestAddWebhookRefuses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := openOn(t, e, Options{})
		for name, w := range map[string]Webhook{
			"ftp":           {URL: "ftp://example.test/x", Events: []string{EventDeviceSafe}},
			"file":          {URL: "file:///etc/passwd", Events: []string{EventDeviceSafe}},
			"relative":      {URL: "/hook", Events: []string{EventDeviceSafe}},
			"no host":       {URL: "https:///x", Events: []string{EventDeviceSafe}},
			"no events":     {URL: "https://example.test/x"},
			"unknown event": {URL: "https://example.test/x", Events: []string{"device.exploded"}},
			"test event":    {URL: "https://example.test/x", Events: []string{EventWebhookTest}},
		} {
			w.ID, w.Secret, w.CreatedAt = "h", "s", at(0)
			assert.Error(t, s.AddWebhook(context.Background(), w, "operator:ana"), name)
		}
		whs, err := s.Webhooks(context.Background())
		require.NoError(t, err)
		assert.Empty(t, whs)
	})
}
