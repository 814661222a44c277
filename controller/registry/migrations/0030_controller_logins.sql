-- 0030: the broker logins of the controllers sharing this registry, so
-- that whichever controller writes an external Mosquitto's password and
-- ACL files lets every one of them in, each under its own username.
CREATE TABLE controller_logins (
	username    TEXT PRIMARY KEY,
	broker_hash TEXT NOT NULL,
	instance    TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
