package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/controllertest"
)

// TestEnrollThrottleSparesGoodTokens: a bench behind one address (a NAT)
// where one phone keeps retrying a stale token: past the allowance its bad
// attempts get 429, but a phone with a good token from the same address
// still enrolls.
func TestEnrollThrottleSparesGoodTokens(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t)
	anon := api.NewClient(c.APIURL(), &http.Client{Timeout: 10 * time.Second})
	statuses := map[int]int{}
	for i := range 15 {
		_, err := anon.Enroll(ctx, "stale-token", fmt.Sprintf("stale-%d", i))
		var apiErr *api.Error
		require.True(t, errors.As(err, &apiErr), "attempt %d: %v", i, err)
		statuses[apiErr.StatusCode]++
	}
	assert.Equal(t, map[int]int{http.StatusUnauthorized: 10, http.StatusTooManyRequests: 5}, statuses, "the allowance, then throttled")

	tok, err := c.NewEnrollmentToken(ctx, time.Hour)
	require.NoError(t, err)
	e, err := anon.Enroll(ctx, tok.Token, "good-phone")
	require.NoError(t, err, "a good token from the throttled address still enrolls")
	assert.Equal(t, "good-phone", e.DeviceID)
	_, err = anon.Enroll(ctx, tok.Token, "good-phone-again")
	var apiErr *api.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode, "a used token is no good: throttled again")
}
