-- 0003 on PostgreSQL: as 0003_fleet.sql, with a 64-bit clock offset (a phone
-- weeks off in milliseconds overflows 32 bits).

CREATE INDEX commands_waiting ON commands(state) WHERE state IN ('queued', 'sent');
ALTER TABLE devices ADD COLUMN state_epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN clock_offset_ms BIGINT;
