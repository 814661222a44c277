package broker

import (
	"context"
	"log/slog"
)

// Attribute keys of the broker's own log lines.
const (
	keyAddr     = "addr"
	keyClient   = "client"
	keyErr      = "err"
	keyOpen     = "open"
	keyRemote   = "remote"
	keySessions = "sessions"
	keyWrite    = "write"
)

// redactedKeys are attributes mochi attaches to some lines that hold whole
// packets (payloads, wills, passwords). Payloads carry account names, even
// if masked, so they never reach the log.
var redactedKeys = map[string]bool{"pk": true, "packet": true}

// quietHandler is the handler mochi logs through: it drops records below a
// level (mochi announces every hook, listener and start at info) and replaces
// packet attributes with a placeholder.
type quietHandler struct {
	next slog.Handler
	min  slog.Level
}

func newQuietHandler(next slog.Handler, min slog.Level) *quietHandler {
	return &quietHandler{next: next, min: min}
}

func (h *quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.next.Enabled(ctx, l)
}

func (h *quietHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redact(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redact(a)
	}
	return &quietHandler{next: h.next.WithAttrs(clean), min: h.min}
}

func (h *quietHandler) WithGroup(name string) slog.Handler {
	return &quietHandler{next: h.next.WithGroup(name), min: h.min}
}

func redact(a slog.Attr) slog.Attr {
	if redactedKeys[a.Key] {
		return slog.String(a.Key, "[redacted]")
	}
	if a.Value.Kind() == slog.KindGroup {
		group := a.Value.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = redact(g)
		}
		return slog.Group(a.Key, clean...)
	}
	return a
}
