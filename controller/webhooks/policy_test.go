package webhooks

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/unbind/unbind/controller/registry"
)

func TestBackoff(t *testing.T) {
	p := Policy{Base: 10 * time.Second, Max: time.Hour}.WithDefaults()
	tests := []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{1, 0, 5 * time.Second},
		{1, 0.999999999, 10 * time.Second},
		{2, 0, 10 * time.Second},
		{3, 0.5, 30 * time.Second},
		{9, 0, 21*time.Minute + 20*time.Second},
		{10, 0, 30 * time.Minute},
		{11, 0, 30 * time.Minute},
		{1000, 0.999999999, time.Hour},
		{1, -3, 5 * time.Second},
		{1, 7, 10 * time.Second},
	}
	for _, tc := range tests {
		assert.InDelta(t, tc.want, p.Backoff(tc.attempt, tc.rnd), float64(time.Millisecond), "attempt %d rnd %v", tc.attempt, tc.rnd)
	}
}

func TestDecide(t *testing.T) {
	p := Policy{Base: time.Minute, Max: time.Hour, GiveUpAfter: 24 * time.Hour}
	p = p.WithDefaults()
	created := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	now := created.Add(time.Hour)
	tests := []struct {
		name      string
		res       Result
		attempts  int
		now       time.Time
		wantState string
		wantNext  time.Time
	}{
		{"200", Result{Status: 200}, 1, now, registry.DeliveryDelivered, now},
		{"204", Result{Status: 204}, 5, now, registry.DeliveryDelivered, now},
		{"500 retried", Result{Status: 500}, 1, now, registry.DeliveryPending, now.Add(30 * time.Second)},
		{"redirect is no ack", Result{Status: 302}, 2, now, registry.DeliveryPending, now.Add(time.Minute)},
		{"410 retried too", Result{Status: 410}, 1, now, registry.DeliveryPending, now.Add(30 * time.Second)},
		{"network error", Result{Err: errors.New("connection refused")}, 1, now, registry.DeliveryPending, now.Add(30 * time.Second)},
		{"past the window", Result{Status: 503}, 30, created.Add(23*time.Hour + 50*time.Minute), registry.DeliveryFailed, created.Add(23*time.Hour + 50*time.Minute)},
		{"2xx late still delivered", Result{Status: 200}, 30, created.Add(25 * time.Hour), registry.DeliveryDelivered, created.Add(25 * time.Hour)},
	}
	for _, tc := range tests {
		state, next := p.Decide(tc.res, tc.attempts, created, tc.now, 0)
		assert.Equal(t, tc.wantState, state, tc.name)
		assert.Equal(t, tc.wantNext, next, tc.name)
	}
}
