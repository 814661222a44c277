package registry

import (
	"database/sql"
	"fmt"
	"time"
)

// timeLayout is RFC 3339 with a fixed nine-digit fraction: equal-width UTC
// strings sort in time order, so SQL can compare and order them as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func nowUTC() time.Time { return time.Now().UTC() }

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTime stores the zero time as NULL ("never").
func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(t), Valid: true}
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

// storable reports whether t fits the four-digit-year layout; anything else
// would not sort or parse back.
func storable(t time.Time) bool {
	y := t.UTC().Year()
	return !t.IsZero() && y >= 1 && y <= 9999
}
