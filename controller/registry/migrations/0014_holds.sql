-- 0014: releases that wait on hold instead of failing. hold_on_timeout
-- asks for a hold when the release cannot finish by its deadline;
-- hold_reason says why a held release waits ('' when not on hold), and
-- held_since since when (NULL when not on hold).
ALTER TABLE releases ADD COLUMN hold_on_timeout INTEGER NOT NULL DEFAULT 0;
ALTER TABLE releases ADD COLUMN hold_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN held_since TEXT;
-- The release loop reads, by time, the running releases that are not on
-- hold, and the held ones whose next re-check is due: each from an index of
-- its own, so that phones waiting on hold cost nothing between re-checks.
CREATE INDEX releases_running ON releases(created_at) WHERE finished_at IS NULL AND stage <> 'on_hold';
CREATE INDEX releases_on_hold ON releases(deadline) WHERE finished_at IS NULL AND stage = 'on_hold';
