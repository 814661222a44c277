package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
)

// defaultDeliveryLimit is how many deliveries a listing shows by default.
const defaultDeliveryLimit = 100

// isAdmin reports whether the request's operator has the admin role.
func isAdmin(r *http.Request) bool {
	op, ok := OperatorFrom(r.Context())
	return ok && op.Role.Allows(controller.RoleAdmin)
}

var deliveryStates = []string{registry.DeliveryPending, registry.DeliveryDelivered, registry.DeliveryFailed, registry.DeliveryCanceled}

func (s *server) addWebhook(w http.ResponseWriter, r *http.Request) {
	var req api.WebhookRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("webhook request: %w", err))
		return
	}
	wh, err := s.c.AddWebhook(r.Context(), req.URL, req.Events, actor(r))
	switch {
	case errors.Is(err, controller.ErrBadWebhook):
		writeError(w, http.StatusBadRequest, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		w.Header().Set("Cache-Control", "no-store")
		out := webhookOut(wh, true)
		out.Secret = wh.Secret
		writeJSON(w, http.StatusCreated, out)
	}
}

// webhooks lists webhooks without their secrets; below admin, without the
// URLs' queries either.
func (s *server) webhooks(w http.ResponseWriter, r *http.Request) {
	admin := isAdmin(r)
	whs, err := s.c.Webhooks(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]api.Webhook, 0, len(whs))
	for _, wh := range whs {
		out = append(out, webhookOut(wh, admin))
	}
	writeJSON(w, http.StatusOK, api.WebhooksBody{Webhooks: out})
}

func (s *server) removeWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := s.c.RemoveWebhook(r.Context(), id, actor(r))
	switch {
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Errorf("webhook %q not found (or already removed)", id))
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"removed": id})
	}
}

func (s *server) testWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	eventID, err := s.c.TestWebhook(r.Context(), id)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Errorf("webhook %q not found (or removed)", id))
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusAccepted, api.WebhookTest{EventID: eventID})
	}
}

func (s *server) webhookDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := registry.DeliveryFilter{WebhookID: q.Get("webhook"), State: q.Get("state"), Limit: defaultDeliveryLimit}
	if f.State != "" && !slices.Contains(deliveryStates, f.State) {
		writeError(w, http.StatusBadRequest, fmt.Errorf("state %q: want pending, delivered, failed or canceled", f.State))
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("limit %q: want a whole number, 0 for all", v))
			return
		}
		f.Limit = n
	}
	ds, err := s.c.WebhookDeliveries(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	admin := isAdmin(r)
	out := make([]api.WebhookDelivery, 0, len(ds))
	for _, d := range ds {
		ad := api.WebhookDelivery{
			ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, EventType: d.EventType, State: d.State,
			Attempts: d.Attempts, CreatedAt: d.CreatedAt, LastAt: d.LastAt, LastStatus: d.LastStatus,
			DeliveredAt: d.DeliveredAt,
		}
		if admin {
			// An error says what answered where ("connection refused" on
			// one port, a timeout on another): a probe of the network
			// that only the admins who add webhooks may read.
			ad.LastError = d.LastError
		}
		if d.State == registry.DeliveryPending {
			ad.NextAt = d.NextAt
		}
		out = append(out, ad)
	}
	writeJSON(w, http.StatusOK, api.WebhookDeliveriesBody{Deliveries: out})
}

// webhookOut never shows a password in the URL's user info; below admin it
// shows no query either, where receivers often take a token ("?token=").
func webhookOut(wh registry.Webhook, admin bool) api.Webhook {
	shown := "(hidden)"
	if u, err := url.Parse(wh.URL); err == nil {
		if !admin && u.RawQuery != "" {
			u.RawQuery = "redacted"
		}
		u.Fragment, u.RawFragment = "", ""
		shown = u.Redacted()
	}
	return api.Webhook{ID: wh.ID, URL: shown, Events: wh.Events, CreatedAt: wh.CreatedAt, CreatedBy: wh.CreatedBy, RemovedAt: wh.RemovedAt}
}
