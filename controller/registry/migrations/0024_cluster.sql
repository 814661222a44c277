-- 0024: several controllers on one registry (PostgreSQL).
-- A release is driven by the one controller holding its lease; a lease
-- lapses at expires_at (the holder's clock, as the registry formats times),
-- after which another controller may take it.
CREATE TABLE release_leases (
	release_id TEXT PRIMARY KEY REFERENCES releases(id) ON DELETE CASCADE,
	owner      TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX release_leases_by_owner ON release_leases(owner);

-- What each controller changed, for the others to follow: one row per
-- write, numbered by its writer, naming the devices (space-separated).
-- Writers delete their own old rows.
CREATE TABLE cluster_changes (
	writer  TEXT NOT NULL,
	seq     BIGINT NOT NULL,
	kind    TEXT NOT NULL,
	devices TEXT NOT NULL,
	at      TEXT NOT NULL,
	PRIMARY KEY (writer, seq)
);
