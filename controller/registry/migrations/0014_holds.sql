-- 0014: releases that wait on hold instead of failing. hold_on_timeout
-- asks for a hold when the release cannot finish by its deadline;
-- hold_reason says why a held release waits ('' when not on hold), and
-- held_since since when (NULL when not on hold).
ALTER TABLE releases ADD COLUMN hold_on_timeout INTEGER NOT NULL DEFAULT 0;
ALTER TABLE releases ADD COLUMN hold_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN held_since TEXT;
