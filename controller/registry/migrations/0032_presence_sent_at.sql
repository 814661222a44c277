-- 0032: the agent's own time on the presence last applied. A presence
-- delivered again (a controller rereading what the broker retains, QoS 1
-- redelivery) carries the time it was sent with; it is a replay, not the
-- phone's session coming back, and must not move presence_at.
ALTER TABLE devices ADD COLUMN presence_sent_at TEXT NOT NULL DEFAULT '';
