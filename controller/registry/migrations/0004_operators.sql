-- 0004: operator accounts and a hash-chained audit trail.
--
-- An operator is a person (or script) allowed to call the HTTP API with a
-- role: viewer, operator or admin. Only a hash of its API token is kept.
-- Each audit row now carries the hash of the row before it and its own
-- hash over its content, so that a changed, inserted or removed row is found
-- by `unbind audit verify`; rows written before this migration have no hash
-- and are reported as unchained.

CREATE TABLE operators (
	name       TEXT PRIMARY KEY,
	role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
	token_hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	revoked_at TEXT
) STRICT;

ALTER TABLE audit ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';
