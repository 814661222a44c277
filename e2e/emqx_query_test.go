package e2e

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/controllertest"
)

// emqxAuthQuery is the EMQX authentication query docs/scaling.md shows: the
// first code block after its "Logins: PostgreSQL authentication" item, with
// EMQX's placeholders turned into a prepared statement's parameters, as
// EMQX itself sends it.
func emqxAuthQuery(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile("../docs/scaling.md")
	require.NoError(t, err)
	_, rest, found := strings.Cut(string(doc), "**Logins: PostgreSQL authentication**")
	require.True(t, found, "docs/scaling.md no longer shows EMQX's PostgreSQL authentication")
	_, rest, found = strings.Cut(rest, "```\n")
	require.True(t, found)
	query, _, found := strings.Cut(rest, "```")
	require.True(t, found)
	return strings.NewReplacer("${username}", "$1", "${clientid}", "$2").Replace(query)
}

// TestEMQXAuthQueryOnRegistry runs the EMQX authentication query of
// docs/scaling.md against a real registry on PostgreSQL, with logins the
// controller issued: it returns the hash EMQX's sha256 (no salt) computes
// from the login's password, only for the client ID bound to that login,
// and nothing for a revoked login.
func TestEMQXAuthQueryOnRegistry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := controllertest.PostgresRegistry(t)
	c := controllertest.Start(t, controllertest.OnPostgres(t, url))

	enroll := func(id string) string {
		tok, err := c.NewEnrollmentToken(ctx, time.Hour)
		require.NoError(t, err)
		resp, err := c.Enroll(ctx, tok.Token, id)
		require.NoError(t, err)
		require.Equal(t, id, resp.MQTTUsername)
		return resp.MQTTPassword
	}
	phone := enroll("emqx-phone-1")
	enroll("emqx-phone-2")
	require.NoError(t, c.RevokeDevice(ctx, "emqx-phone-2", ""))
	monitor, err := c.NewMonitorCredential(ctx, "ops", "operator:test")
	require.NoError(t, err)

	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	query := emqxAuthQuery(t)
	sha := func(password string) string {
		sum := sha256.Sum256([]byte(password))
		return hex.EncodeToString(sum[:])
	}

	tests := []struct {
		name, username, clientID string
		want                     string // "" when EMQX must find no login
	}{
		{"phone under its own client ID", "emqx-phone-1", "unbind-agent-emqx-phone-1", sha(phone)},
		{"phone under another phone's client ID", "emqx-phone-1", "unbind-agent-emqx-phone-2", ""},
		{"phone under a monitor's client ID", "emqx-phone-1", "unbind-monitor-ops", ""},
		{"revoked phone", "emqx-phone-2", "unbind-agent-emqx-phone-2", ""},
		{"monitor under its own client ID", monitor.Username, "unbind-monitor-ops", sha(monitor.Password)},
		{"monitor under a session suffix", monitor.Username, "unbind-monitor-ops-2", sha(monitor.Password)},
		{"monitor under a phone's client ID", monitor.Username, "unbind-agent-emqx-phone-1", ""},
		{"monitor under a longer name", monitor.Username, "unbind-monitor-opsx", ""},
		{"unknown login", "nobody", "unbind-agent-nobody", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hash string
			err := db.QueryRowContext(ctx, query, tc.username, tc.clientID).Scan(&hash)
			if tc.want == "" {
				assert.True(t, errors.Is(err, sql.ErrNoRows), "EMQX would let %s in as %s (err %v)", tc.username, tc.clientID, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, hash)
		})
	}
}
