-- 0006: what was seen of each release's reset (reset screen opened, wipe
-- started, operator confirmed, session ended, rebooted), with times, as a
-- JSON array of {"kind","at","source","boot"} objects, oldest first.
ALTER TABLE releases ADD COLUMN evidence_json TEXT NOT NULL DEFAULT '[]';
