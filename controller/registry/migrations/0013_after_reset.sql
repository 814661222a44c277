-- 0013: a certificate whose phone was seen locked after its reset is
-- superseded; the column says why ('' while it stands).
ALTER TABLE certificates ADD COLUMN superseded TEXT NOT NULL DEFAULT '';
