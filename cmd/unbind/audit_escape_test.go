package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
)

// TestAuditInjectionEscapedAndChainVerified: a stored string with a
// newline and terminal escapes cannot forge a line of `unbind audit` or
// clear the screen, the chain verifies, and after the file is edited
// `unbind audit verify` exits 1 naming the row.
func TestAuditInjectionEscapedAndChainVerified(t *testing.T) {
	db := filepath.Join(t.TempDir(), "registry.db")
	c := controllertest.Start(t, func(cfg *controller.Config) { cfg.DBPath = db })
	t.Setenv(cli.TokenEnv, controllertest.AdminToken(t, c))
	ctx := context.Background()
	forged := "2026-01-01T00:00:00Z  P9  operator:admin  release.created"
	require.NoError(t, c.Registry().AppendAudit(ctx, registry.AuditEntry{DeviceID: "P9", Actor: "agent:P9\n" + forged,
		Action: "state.changed", Detail: "\x1b[2Jcleared\x00"}))

	io, out, _ := testStreams()
	require.NoError(t, auditRun(ctx, io, &auditOptions{API: c.APIURL(), Output: "table"}))
	assert.NotContains(t, out.String(), "\x1b")
	assert.NotContains(t, out.String(), "\x00")
	assert.Contains(t, out.String(), `agent:P9\n2026-01-01T00:00:00Z`)
	assert.Contains(t, out.String(), `\x1b[2Jcleared\x00`)
	for _, line := range strings.Split(out.String(), "\n") {
		assert.False(t, strings.HasPrefix(line, "2026-01-01T00:00:00Z"), "forged line %q", line)
	}

	io, out, _ = testStreams()
	require.NoError(t, auditVerifyRun(ctx, io, &auditOptions{API: c.APIURL(), Output: "table"}))
	assert.Contains(t, out.String(), "audit trail intact")

	rows, err := c.Registry().Audit(ctx, "P9", 0)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	raw, err := sql.Open("sqlite3", db)
	require.NoError(t, err)
	defer raw.Close()
	for _, q := range []string{`DROP TRIGGER audit_no_update`, `UPDATE audit SET detail = 'nothing' WHERE device_id = 'P9'`} {
		_, err := raw.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	io, out, _ = testStreams()
	err = auditVerifyRun(ctx, io, &auditOptions{API: c.APIURL(), Output: "table"})
	assert.Equal(t, cli.ExitError{Code: exitError}, err)
	assert.Contains(t, out.String(), "BROKEN at row "+itoa(rows[0].ID))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
