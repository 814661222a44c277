package console

import (
	"html/template"
	"time"
)

// timeFormat is how the server writes a time: UTC, for pages read without
// script and for copying into tickets.
const timeFormat = "2006-01-02 15:04:05 UTC"

// timeElement writes t as a <time> element in UTC; the page's script
// (console.js) shows it in the viewer's own zone and keeps the UTC on
// hover. The zero time is a dash.
func timeElement(t time.Time) template.HTML {
	if t.IsZero() {
		return "—"
	}
	u := t.UTC()
	// Both strings are made of digits and fixed letters only.
	return template.HTML(`<time datetime="` + u.Format(time.RFC3339) + `">` + u.Format(timeFormat) + `</time>`)
}
