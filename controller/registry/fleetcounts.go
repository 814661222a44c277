package registry

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// The fleet page's counts and makers read the indexes of migration 0026
// (devices_by_status, devices_by_maker), never the devices table, whose
// rows carry each phone's whole report.

// makersSQL walks the makers' index from one distinct value to the next
// (a loose index scan), so that it reads a few entries per maker instead of
// one per phone.
const makersSQL = `WITH RECURSIVE makers(m) AS (
	SELECT min(manufacturer) FROM devices WHERE manufacturer > ''
	UNION ALL
	SELECT (SELECT min(manufacturer) FROM devices WHERE manufacturer > makers.m) FROM makers WHERE makers.m IS NOT NULL
) SELECT m FROM makers WHERE m IS NOT NULL`

// countsSQL groups in the status index's own order: no sort.
const countsSQL = `SELECT online, coalesce(verdict, ''), count(*) FROM devices GROUP BY online, verdict`

// Makers lists the manufacturers the registry knows, sorted, each once
// whatever its case (spelled as the smallest of its spellings).
func (s *Store) Makers(ctx context.Context) ([]string, error) {
	var all []string
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		return scanGroups(ctx, tx, makersSQL, func(rows *sql.Rows) error {
			var m string
			if err := rows.Scan(&m); err != nil {
				return err
			}
			all = append(all, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list makers: %w", err)
	}
	// all is sorted byte-wise: the first spelling of a maker is the
	// smallest.
	seen := map[string]bool{}
	makers := []string{}
	for _, m := range all {
		if k := strings.ToLower(m); !seen[k] {
			seen[k] = true
			makers = append(makers, m)
		}
	}
	slices.SortStableFunc(makers, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return makers, nil
}

// FleetCounts counts devices by what their tiles show first: offline
// phones under "offline", online ones under their verdict ("safe",
// "at_risk", else "unknown"). One grouped scan of the status index, in its
// own order.
func (s *Store) FleetCounts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		return scanGroups(ctx, tx, countsSQL, func(rows *sql.Rows) error {
			var (
				online  bool
				verdict string
				n       int
			)
			if err := rows.Scan(&online, &verdict, &n); err != nil {
				return err
			}
			switch {
			case !online:
				out["offline"] += n
			case verdict == "safe" || verdict == "at_risk":
				out[verdict] += n
			default:
				out["unknown"] += n
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count fleet: %w", err)
	}
	return out, nil
}
