-- 0025: bench stations. A station is a bench PC whose agents reach phones
-- over USB; each report of such an agent names it. A station may be set to
-- a lot, by an operator (lot) or by its agents' --lot (agent_lot); the
-- operator's choice wins. Times are TEXT as the registry formats them.

CREATE TABLE stations (
	name         TEXT PRIMARY KEY,
	-- The lot an operator set the station to; '' none: agent_lot applies.
	lot          TEXT NOT NULL DEFAULT '',
	lot_set_by   TEXT NOT NULL DEFAULT '',
	lot_set_at   TEXT,
	-- The lot the station's newest report was started with ('' none).
	agent_lot    TEXT NOT NULL DEFAULT '',
	last_seen_at TEXT NOT NULL
);

CREATE TABLE station_devices (
	-- One row per phone: the station that last reported it.
	device_id   TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
	station     TEXT NOT NULL REFERENCES stations(name),
	seen_at     TEXT NOT NULL,
	-- The lot the phone was last refused by at this station ('' none), so
	-- that a refusal is logged and audited once, not on every report.
	refused_lot TEXT NOT NULL DEFAULT ''
);
CREATE INDEX station_devices_by_station ON station_devices(station, seen_at);
