-- 0005: identity binding. A token may be minted for one device ID, and only
-- such a token marked as a replacement may take over an ID that already has
-- credentials. Every enrollment is kept, so that a certificate can name the
-- one it relied on and refuse a phone whose credential changed mid-release.

ALTER TABLE enrollment_tokens ADD COLUMN for_device TEXT;
ALTER TABLE enrollment_tokens ADD COLUMN replaces INTEGER NOT NULL DEFAULT 0;
-- Who minted the token ("operator:<name>" or "controller") and their note.
ALTER TABLE enrollment_tokens ADD COLUMN minted_by TEXT NOT NULL DEFAULT '';
ALTER TABLE enrollment_tokens ADD COLUMN note TEXT NOT NULL DEFAULT '';

CREATE TABLE enrollments (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	device_id   TEXT NOT NULL,
	at          TEXT NOT NULL,
	-- 1 when the device already had credentials that this enrollment replaced.
	replaced    INTEGER NOT NULL,
	minted_by   TEXT NOT NULL,
	minted_at   TEXT NOT NULL,
	note        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX enrollments_by_device ON enrollments(device_id, id);
