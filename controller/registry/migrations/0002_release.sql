-- 0002: what the release workflow needs: enrollment and per-device MQTT
-- credentials, the append-only audit trail, releases and their certificates.

CREATE TABLE enrollment_tokens (
	-- Only a hash of the token is kept; the token itself is shown once.
	token_hash TEXT PRIMARY KEY,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at    TEXT,
	device_id  TEXT
) STRICT;

CREATE TABLE device_credentials (
	device_id     TEXT PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	revoked_at    TEXT
) STRICT;

CREATE TABLE audit (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	at        TEXT NOT NULL,
	device_id TEXT NOT NULL DEFAULT '',
	-- Who: "agent:<device>", "controller", or "operator:<name>".
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	detail    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_by_device ON audit(device_id, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

CREATE TABLE releases (
	id          TEXT PRIMARY KEY,
	device_id   TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	operator    TEXT NOT NULL,
	-- The workflow state (see controller/release) and, once finished, how.
	stage       TEXT NOT NULL,
	outcome     TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL DEFAULT '',
	command_id  TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	deadline    TEXT NOT NULL,
	finished_at TEXT
) STRICT;
CREATE INDEX releases_by_device ON releases(device_id, created_at);
CREATE INDEX releases_unfinished ON releases(finished_at) WHERE finished_at IS NULL;

CREATE TABLE certificates (
	id         TEXT PRIMARY KEY,
	device_id  TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	release_id TEXT NOT NULL REFERENCES releases(id),
	issued_at  TEXT NOT NULL,
	-- The signed JSON document exactly as issued.
	document   TEXT NOT NULL
) STRICT;
