-- 0031: the boot an agent named for a command's step. A reset's step says
-- the boot the phone was in at the agent's interlock check, so that a
-- controller reading the step late (after taking the release over) does
-- not mistake the boot the phone came back in for the one it was reset in.
ALTER TABLE command_transitions ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';
