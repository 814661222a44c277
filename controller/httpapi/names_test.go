package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/controllertest"
)

// TestConfusableOperatorNames: no operator or monitor name can pass for
// another account, for the system, or forge an audit column; names in one
// alphabet, accents included, are fine.
func TestConfusableOperatorNames(t *testing.T) {
	c := controllertest.Start(t)
	client := controllertest.Client(t, c)
	ctx := context.Background()
	_, err := client.AddOperator(ctx, api.OperatorRequest{Name: "local-admin", Role: "viewer"})
	require.NoError(t, err)

	for _, tc := range []struct{ name, why string }{
		{"local-adm\u0456n", "mixes Latin and Cyrillic"}, // Cyrillic і
		{"p\u0430ypal", "mixes Latin and Cyrillic"},      // Cyrillic а
		{"\u03bfperator-ana", "mixes Greek and Latin"},   // Greek ο
		{"\uff4cocal-admin", "fullwidth"},                // fullwidth ｌ
		{"\U0001d41aadmin", "no script"},                 // mathematical bold a
		{"A\u030asa", "combining mark"},                  // A + combining ring
		{"controller", "reserved"},
		{"Controller", "reserved"},
		{"agent:41100faa", `holds ':'`},
		{"operator:ana", `holds ':'`},
		{"ana  silva", "two in a row"},
		{" ana", "space at an end"},
		{"ana ", "space at an end"},
		{"ana\u00a0silva", "holds"}, // no-break space
		{"ana\u200bsilva", "unprintable"},
		{"ana|admin", "holds '|'"},
		{"\uff21\uff24\uff2d\uff29\uff2e", "fullwidth"},
	} {
		_, err := client.AddOperator(ctx, api.OperatorRequest{Name: tc.name, Role: "admin"})
		var apiErr *api.Error
		if assert.ErrorAs(t, err, &apiErr, "%q", tc.name) {
			assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode, "%q", tc.name)
			assert.Contains(t, apiErr.Error(), tc.why, "%q", tc.name)
		}
		_, err = client.NewMonitor(ctx, api.MonitorRequest{Name: tc.name})
		assert.Error(t, err, "monitor %q", tc.name)
	}

	// A name that differs from an active account's only by case reads as it.
	_, err = client.AddOperator(ctx, api.OperatorRequest{Name: "Local-Admin", Role: "admin"})
	var apiErr *api.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusConflict, apiErr.StatusCode)
	assert.Contains(t, apiErr.Error(), `looks like the existing "local-admin"`)

	for _, ok := range []string{"Åsa Ödegård", "ana.silva@shop", "O'Brien", "Мария Иванова", "Σοφία", "李雷", "bench-2"} {
		_, err := client.AddOperator(ctx, api.OperatorRequest{Name: ok, Role: "viewer"})
		assert.NoError(t, err, "%q", ok)
	}
}
