// Package registry is the controller's SQLite record of every phone: who it
// is, whether it is online, its newest binding report with the verdict drawn
// from it, how that verdict changed over time, and the commands sent to it.
//
// One goroutine writes (the MQTT ingest path, batching many messages into one
// Apply) while the HTTP API and CLI read concurrently: the database runs in
// WAL mode, writes share a single connection with BEGIN IMMEDIATE, and reads
// use their own pool of query-only connections.
//
// Messages may arrive late or twice (retained messages, QoS 1 redelivery, a
// restarted agent), so Apply orders state reports by their check time and
// sequence number, presence by arrival, and command steps along the command
// lifecycle; it never lets one bad update fail the rest of its batch.
//
// Account names appear only inside the stored report JSON, where the agent
// has already masked them; no other column and no log line carries them.
package registry
