-- 0012: the lock catalogue revision each report was judged with
-- (Report.Catalogue; 0 from agents older than the catalogue). A change of
-- revision is a state change of its own, so a certificate lists only the
-- locks the safe report's agent really checked for.
ALTER TABLE devices ADD COLUMN catalogue INTEGER NOT NULL DEFAULT 0;
ALTER TABLE state_changes ADD COLUMN catalogue INTEGER NOT NULL DEFAULT 0;
