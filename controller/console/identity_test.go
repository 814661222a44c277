package console_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
)

// TestIdentityConflictShown: two phones reporting one serial are both
// flagged on the fleet page and on their own pages.
func TestIdentityConflictShown(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c,
		phone{id: "41100faa", serial: "41100faa", maker: "Xiaomi", model: "Redmi", online: true},
		phone{id: "spare-07", serial: "41100FAA", maker: "Xiaomi", model: "Redmi", online: true},
		phone{id: "other", serial: "OTHER1", maker: "Google", model: "Pixel", online: true},
	)
	b := as(t, c, controller.RoleViewer)
	status, fleet := b.get("/")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, 2, count(fleet, `class="identity-conflict"`), "both phones flagged, the third not")
	for _, id := range []string{"41100faa", "spare-07"} {
		status, page := b.get("/phones/" + id)
		require.Equal(t, http.StatusOK, status)
		assert.Contains(t, page, "Identity not trusted: identity conflict")
	}
}
