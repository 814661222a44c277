-- 0020: lots. A lot is a customer's or supplier's batch of phones under one
-- reference (PO, RMA); a phone belongs to at most one lot, and a closed lot
-- takes no more phones.

CREATE TABLE lots (
	id         TEXT PRIMARY KEY,
	customer   TEXT NOT NULL,
	reference  TEXT NOT NULL DEFAULT '',
	-- open or closed.
	state      TEXT NOT NULL,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	closed_at  TEXT,
	closed_by  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE lot_devices (
	-- The primary key is the device: one lot per phone.
	device_id TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
	lot_id    TEXT NOT NULL REFERENCES lots(id),
	joined_at TEXT NOT NULL,
	joined_by TEXT NOT NULL
) STRICT;
CREATE INDEX lot_devices_by_lot ON lot_devices(lot_id, device_id);
CREATE INDEX devices_by_serial ON devices(serial) WHERE serial != '';
CREATE INDEX devices_by_imei ON devices(imei) WHERE imei != '';
