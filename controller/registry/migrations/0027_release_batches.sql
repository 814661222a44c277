-- 0027: releases are listed and followed by batch. A batch is the releases one
-- request started: batch_id names it. Releases from before this migration
-- were told apart only by their shared creation time: each such group is
-- named after its smallest release ID.
ALTER TABLE releases ADD COLUMN batch_id TEXT NOT NULL DEFAULT '';
UPDATE releases SET batch_id = (SELECT MIN(r2.id) FROM releases r2 WHERE r2.created_at = releases.created_at);
-- The release list pages newest first by (created_at, id), over all
-- releases or one batch's.
CREATE INDEX releases_by_created ON releases(created_at, id);
CREATE INDEX releases_by_batch ON releases(batch_id, created_at, id);
CREATE INDEX releases_by_outcome ON releases(outcome, created_at, id);
