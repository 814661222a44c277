package registry

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// Account names may only live inside the stored report JSON; no other
// column and no log line may hold them, even for updates that are refused.
func TestAccountNamesStayInTheReport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		names := []string{"someone@example.com", "2807000558", "张伟, Jr.", "ja***@gmail.com"}
		var logs bytes.Buffer
		s := openOn(t, e, Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})

		r := report(at(0), mi, frp)
		for i, n := range names {
			r.Accounts = append(r.Accounts, protocol.Account{User: i, Type: "com.xiaomi", Name: n})
			r.Risks = append(r.Risks, protocol.Risk{Kind: mi, Check: "dumpsys account", Evidence: "Mi account signed in", Account: n})
		}
		invalid := r
		invalid.SafeToReset = true // refused by validation
		mismatched := stateUpd("d", 9, at(3), r)
		mismatched.State.DeviceID = "e"
		_, err := s.w.ExecContext(ctx, boomTrigger(s, "state_changes"))
		require.NoError(t, err)

		applyOK(t, s,
			stateUpd("d", 1, at(1), r),
			stateUpd("d", 2, at(2), invalid),
			mismatched,
			stateUpd("boom", 1, at(1), r),
			stateUpd("d", 1, at(4), r), // stale
		)
		d, err := s.Device(ctx, "d")
		require.NoError(t, err)
		require.Len(t, d.State.Accounts, len(names), "the report keeps what the agent sent")

		dump := dumpTextExcept(t, s.r, "devices", "state_json")
		require.NotEmpty(t, dump)
		for _, n := range names {
			assert.NotContains(t, dump, n, "database outside the report JSON")
			assert.NotContains(t, logs.String(), n, "logs")
		}
		// Inside it they are masked, whatever the agent sent.
		whole := dumpTextExcept(t, s.r, "", "")
		for _, raw := range names[:3] {
			assert.NotContains(t, whole, raw, "stored raw")
		}
		for _, a := range d.State.Accounts {
			assert.Equal(t, protocol.MaskAccountName(a.Name), a.Name, "served masked")
		}
		assert.Contains(t, whole, "so***@example.com")
		assert.Contains(t, logs.String(), "registry update skipped", "the refused updates were logged")
	})
}

// dumpTextExcept concatenates every value of every table but one column.
func dumpTextExcept(t *testing.T, db *sql.DB, skipTable, skipColumn string) string {
	t.Helper()
	ctx := context.Background()
	tablesQuery := `SELECT name FROM sqlite_schema WHERE type = 'table'`
	if _, err := db.ExecContext(ctx, `SELECT 1 FROM sqlite_schema`); err != nil { // PostgreSQL
		tablesQuery = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := db.QueryContext(ctx, tablesQuery)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(t, rows.Close())

	var out bytes.Buffer
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, `SELECT * FROM `+table)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for i, v := range vals {
				if table == skipTable && cols[i] == skipColumn {
					continue
				}
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&out, "%s.%s=%v\n", table, cols[i], v)
			}
		}
		require.NoError(t, rows.Close())
	}
	return out.String()
}
