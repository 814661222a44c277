-- 0020 on PostgreSQL: as 0020_lots.sql.

CREATE TABLE lots (
	id         TEXT PRIMARY KEY,
	customer   TEXT NOT NULL,
	reference  TEXT NOT NULL DEFAULT '',
	state      TEXT NOT NULL,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	closed_at  TEXT,
	closed_by  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE lot_devices (
	device_id TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
	lot_id    TEXT NOT NULL REFERENCES lots(id),
	joined_at TEXT NOT NULL,
	joined_by TEXT NOT NULL
);
CREATE INDEX lot_devices_by_lot ON lot_devices(lot_id, device_id);
CREATE INDEX devices_by_serial ON devices(serial) WHERE serial != '';
CREATE INDEX devices_by_imei ON devices(imei) WHERE imei != '';
