// Package registry is the controller's record of every phone: who it is,
// whether it is online, its newest binding report with the verdict drawn
// from it, how that verdict changed over time, and the commands sent to it.
// It runs on SQLite (a file, the default) or PostgreSQL (a postgres:// URL,
// which several controllers may share).
//
// One goroutine writes (the MQTT ingest path, batching many messages into one
// Apply) while the HTTP API and CLI read concurrently. On SQLite the database
// runs in WAL mode, writes share a single connection with BEGIN IMMEDIATE,
// and reads use their own pool of query-only connections. On PostgreSQL the
// same holds per store, and every write transaction first takes one advisory
// lock of the database (writeLockKey), so the writers of all controllers
// sharing it take turns exactly as SQLite's writers do: the per-device
// compare-and-set on (epoch, seq), the audit chain's head and the webhook
// outbox need no other locking, and behave the same on both engines.
//
// Messages may arrive late or twice (retained messages, QoS 1 redelivery, a
// restarted agent), so Apply orders state reports by their check time and
// sequence number, presence by arrival, and command steps along the command
// lifecycle; it never lets one bad update fail the rest of its batch.
//
// Account names appear only inside the stored report JSON, where the agent
// has already masked them; no other column and no log line carries them.
//
// # Two engines, one SQL text
//
// Queries are written once, in SQL both engines accept: upserts with
// ON CONFLICT, no INSERT OR IGNORE, CASE instead of SQLite's two-argument
// max(), count(*) FILTER, RETURNING instead of LastInsertId, times as the
// fixed-width UTC text of timefmt.go (compared and ordered as text, so a
// PostgreSQL registry needs a database with byte-order collation "C").
// Parameters are SQLite's ?/?N; the PostgreSQL connection rewrites them to
// $N when a statement is prepared (rebind.go). Constraint errors of either
// driver are recognised by isUniqueViolation.
//
// Migrations are one ordered list (migrations/NNNN_what.sql) for both
// engines. A migration in portable SQL is one file. Where a statement has no
// form both accept (STRICT tables, integer primary keys, triggers), the
// PostgreSQL variant sits beside it as NNNN_what.pg.sql and PostgreSQL runs
// it instead: it must give the same tables, columns and indexes, with BIGINT
// where SQLite's 64-bit INTEGER may exceed 32 bits. 0001_init.pg.sql also
// defines what lets one query text run on both: a rowid identity column on
// tables keyed by text, the nocase collation, and json_each(text), instr and
// julianday as SQLite has them. New migrations should be portable SQL:
// ALTER TABLE … ADD COLUMN, CREATE INDEX and plain CREATE TABLE without
// STRICT or AUTOINCREMENT need no variant.
//
// SQLite-only: the lock file beside the registry (lock.go: one controller
// per file), PRAGMA quick_check at open, and Backup (VACUUM INTO); a
// PostgreSQL registry is backed up with pg_dump.
package registry
