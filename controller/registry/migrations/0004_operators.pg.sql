-- 0004 on PostgreSQL: as 0004_operators.sql.

CREATE TABLE operators (
	name       TEXT PRIMARY KEY,
	role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
	token_hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	revoked_at TEXT
);

ALTER TABLE audit ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';
