-- 0011: one phone, one identity.
--
-- Epochs an agent left behind: a report of a retired epoch is a replay
-- (the agent never returns to an epoch once it lost its state directory).
CREATE TABLE retired_epochs (
	device_id  TEXT NOT NULL,
	epoch      TEXT NOT NULL,
	retired_at TEXT NOT NULL,
	PRIMARY KEY (device_id, epoch)
) STRICT;

-- Two enrolled device IDs reporting the same serial or IMEI. Open while
-- resolved_at is NULL: neither phone may be reset or certified. An operator
-- resolves it by naming the genuine device; the other is disowned.
CREATE TABLE identity_conflicts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	-- The device that held the identity first, and the one that reported it
	-- later.
	holder      TEXT NOT NULL,
	claimant    TEXT NOT NULL,
	-- serial or imei, and the value both reported.
	field       TEXT NOT NULL,
	value       TEXT NOT NULL,
	detected_at TEXT NOT NULL,
	resolved_at TEXT,
	resolved_by TEXT NOT NULL DEFAULT '',
	genuine     TEXT NOT NULL DEFAULT '',
	UNIQUE (holder, claimant, field)
) STRICT;
CREATE INDEX identity_conflicts_open ON identity_conflicts(holder, claimant) WHERE resolved_at IS NULL;

-- The devices this one is in an open identity conflict with, sorted and
-- comma-separated ('' when none): kept in the row so that every read of a
-- device, and the reset interlock, sees it without another query.
ALTER TABLE devices ADD COLUMN identity_conflict TEXT NOT NULL DEFAULT '';
-- Set on a device named not genuine when a conflict was resolved: its
-- reports never make it releasable again.
ALTER TABLE devices ADD COLUMN disowned_at TEXT;
-- Where the serial came from: "getprop" (the phone's own word) or "adb"
-- (the bench host's `adb devices`); '' for agents that did not say.
ALTER TABLE devices ADD COLUMN serial_source TEXT NOT NULL DEFAULT '';

-- Every report looks for other devices with its serial, in any case (the
-- IMEI is looked up by 0020's devices_by_imei, when present).
CREATE INDEX devices_by_serial_nocase ON devices(serial COLLATE NOCASE) WHERE serial != '';
