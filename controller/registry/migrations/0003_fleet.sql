-- 0003: fleet scale. The dispatcher reads only commands waiting for delivery
-- (queued, or sent and not yet acknowledged), through a partial index; a
-- device's reports are ordered by the agent's boot epoch and sequence; and the
-- phone's clock offset (controller receive time minus the report's
-- checked_at, in milliseconds) is kept with its newest report.

CREATE INDEX commands_waiting ON commands(state) WHERE state IN ('queued', 'sent');
ALTER TABLE devices ADD COLUMN state_epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN clock_offset_ms INTEGER;
