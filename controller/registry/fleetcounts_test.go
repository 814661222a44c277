package registry

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFleetCountsReadIndexes checks that the fleet page's counts and makers
// read indexes only: a scan of the devices table itself costs 0.1 s per
// page view at 50,000 phones (bench/console.txt). The plan read is
// SQLite's; PostgreSQL's planner picks by its statistics, and the same
// indexes exist there (plain CREATE INDEX).
func TestFleetCountsReadIndexes(t *testing.T) {
	s := fleetFixture(t, engineSQLite)
	for name, q := range map[string]string{"counts": countsSQL, "makers": makersSQL} {
		t.Run(name, func(t *testing.T) {
			rows, err := s.r.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q)
			require.NoError(t, err)
			defer rows.Close()
			var steps []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
				steps = append(steps, detail)
			}
			require.NoError(t, rows.Err())
			plan := strings.Join(steps, "\n")
			for _, step := range steps {
				if strings.Contains(step, "devices") {
					assert.Contains(t, step, "USING COVERING INDEX", "every read of devices goes through an index:\n%s", plan)
				}
			}
			assert.NotContains(t, plan, "TEMP B-TREE", "no sort:\n%s", plan)
		})
	}
}
