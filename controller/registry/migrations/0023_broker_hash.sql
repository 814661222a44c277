-- 0023: a second hash of each MQTT password, in the external broker's own
-- format (Mosquitto's PBKDF2-SHA512 "$7$" line), so that the controller can
-- write that broker's password file from the registry. NULL for logins
-- issued before this version: they work on the embedded broker only until
-- their credentials are issued again.
ALTER TABLE device_credentials ADD COLUMN broker_hash TEXT;
