-- 0001: devices, their state and presence history, commands and their transitions.
-- Times are UTC RFC 3339 text with exactly nine fractional digits, so that they
-- sort as text and read as dates in the sqlite3 shell.

CREATE TABLE devices (
	id              TEXT PRIMARY KEY,
	serial          TEXT NOT NULL DEFAULT '',
	manufacturer    TEXT NOT NULL DEFAULT '',
	brand           TEXT NOT NULL DEFAULT '',
	model           TEXT NOT NULL DEFAULT '',
	android_version TEXT NOT NULL DEFAULT '',
	sdk             INTEGER NOT NULL DEFAULT 0,
	vendor_os       TEXT NOT NULL DEFAULT '',
	imei            TEXT NOT NULL DEFAULT '',
	agent_version   TEXT NOT NULL DEFAULT '',
	first_seen      TEXT NOT NULL,
	last_seen       TEXT NOT NULL,
	online          INTEGER NOT NULL DEFAULT 0,
	presence_at     TEXT,
	-- The current report as JSON; the only column that may hold (masked) account names.
	state_json      TEXT,
	verdict         TEXT,
	state_seq       INTEGER,
	state_at        TEXT,
	state_checked_at TEXT,
	-- What a state change is judged on: sorted, de-duplicated risk kinds.
	risk_kinds      TEXT,
	find_device     TEXT,
	lost_mode       TEXT
) STRICT;

CREATE TABLE state_changes (
	id         INTEGER PRIMARY KEY,
	device_id  TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	at         TEXT NOT NULL,
	verdict    TEXT NOT NULL,
	risk_kinds TEXT NOT NULL,
	find_device TEXT NOT NULL,
	lost_mode  TEXT NOT NULL,
	checked_at TEXT NOT NULL,
	seq        INTEGER NOT NULL
) STRICT;
CREATE INDEX state_changes_by_device ON state_changes(device_id, id);

CREATE TABLE presence_changes (
	id        INTEGER PRIMARY KEY,
	device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	at        TEXT NOT NULL,
	status    TEXT NOT NULL
) STRICT;
CREATE INDEX presence_changes_by_device ON presence_changes(device_id, id);

CREATE TABLE commands (
	id         TEXT PRIMARY KEY,
	device_id  TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	target     TEXT NOT NULL DEFAULT '',
	issued_at  TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	state      TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX commands_by_device ON commands(device_id, issued_at);

CREATE TABLE command_transitions (
	id          INTEGER PRIMARY KEY,
	command_id  TEXT NOT NULL REFERENCES commands(id) ON DELETE CASCADE,
	at          TEXT NOT NULL,
	state       TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '',
	reported_at TEXT
) STRICT;
CREATE INDEX command_transitions_by_command ON command_transitions(command_id, id);
