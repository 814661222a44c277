-- 0007: signed webhooks through a transactional outbox. An event and one
-- delivery per subscribed webhook are written in the transaction of the
-- change they describe; the controller's webhook worker sends them later.

CREATE TABLE webhooks (
	id         TEXT PRIMARY KEY,
	url        TEXT NOT NULL,
	-- Subscribed event types, comma-separated.
	events     TEXT NOT NULL,
	-- The HMAC key, kept in the clear: every delivery is signed with it.
	secret     TEXT NOT NULL,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	removed_at TEXT
) STRICT;

CREATE TABLE webhook_events (
	id         TEXT PRIMARY KEY,
	type       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	device_id  TEXT NOT NULL DEFAULT '',
	-- The JSON body exactly as sent on every attempt.
	body       TEXT NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook_id   TEXT NOT NULL REFERENCES webhooks(id),
	event_id     TEXT NOT NULL REFERENCES webhook_events(id),
	-- pending, delivered, failed (gave up) or canceled (webhook removed).
	state        TEXT NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	-- When a pending delivery is due; while an attempt runs, when its lease
	-- ends.
	next_at      TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	last_at      TEXT,
	last_status  INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	delivered_at TEXT,
	UNIQUE (webhook_id, event_id)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, id);
