package registry

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/unbind/unbind/protocol"
)

// ReleaseRecord is one release of one phone as stored: the workflow's stage
// (see controller/release) and, once over, its outcome and reason.
type ReleaseRecord struct {
	ID       string
	DeviceID string
	// BatchID names the releases one request started together.
	BatchID  string
	Operator string
	Stage    string
	// Outcome is "" while the release runs; "released" is the only outcome
	// that lets a certificate be issued.
	Outcome string
	// Reason explains a failure in risk kinds and stages, never account names.
	Reason string
	// CommandID is the command the current stage waits for.
	CommandID string
	CreatedAt time.Time
	UpdatedAt time.Time
	Deadline  time.Time
	// FinishedAt is zero while the release runs.
	FinishedAt time.Time
	// Note is the operator's note on starting the release; it is written
	// to the audit row of its creation only, not kept with the release.
	Note string
	// Evidence is what was seen of the reset, oldest first. It only grows.
	Evidence []ReleaseEvidence
	// HoldOnTimeout puts the release on hold rather than failed when it
	// cannot finish; HoldReason says why a held release waits.
	HoldOnTimeout bool
	HoldReason    string
	// HeldSince is when the release went on hold; zero when it is not.
	HeldSince time.Time
}

// OutcomeReleased is the outcome of a release that ended with a successful
// factory reset.
const OutcomeReleased = "released"

// StageOnHold is the stage of a release waiting on hold (the release
// machine's release.StageOnHold, named here for the webhook events).
const StageOnHold = "on_hold"

// Finished reports whether the release is over.
func (r ReleaseRecord) Finished() bool { return !r.FinishedAt.IsZero() }

// ReleaseFilter selects releases; set fields combine with AND.
type ReleaseFilter struct {
	DeviceID string
	// Unfinished selects releases without a finish time.
	Unfinished bool
	// Outcome selects releases that ended this way.
	Outcome string
	// Limit keeps the newest Limit releases; 0 keeps all.
	Limit int
}

func (r ReleaseRecord) check() error {
	if r.ID == "" || r.DeviceID == "" || r.Operator == "" || r.Stage == "" {
		return errors.New("id, device, operator and stage are required")
	}
	if !storable(r.CreatedAt) || !storable(r.UpdatedAt) || !storable(r.Deadline) {
		return errors.New("a time is missing or out of range")
	}
	if !r.FinishedAt.IsZero() && !storable(r.FinishedAt) {
		return errors.New("finish time out of range")
	}
	return nil
}

// CreateRelease stores a new release and, in the same transaction, an
// audit row naming the operator. A zero UpdatedAt means CreatedAt. The
// device must exist; a repeated ID gives ErrExists.
func (s *Store) CreateRelease(ctx context.Context, r ReleaseRecord) error {
	return s.CreateReleases(ctx, []ReleaseRecord{r})
}

// CreateReleases stores releases as CreateRelease does, all in one
// transaction: either every one is stored or none. A missing device gives
// ErrNotFound naming it.
func (s *Store) CreateReleases(ctx context.Context, rs []ReleaseRecord) error {
	if len(rs) == 0 {
		return nil
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("create %d releases: %w", len(rs), err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, r := range rs {
		if err := createRelease(ctx, tx, r); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create %d releases: commit: %w", len(rs), err)
	}
	return nil
}

func createRelease(ctx context.Context, tx *sql.Tx, r ReleaseRecord) error {
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	if err := r.check(); err != nil {
		return fmt.Errorf("create release %s: %w", r.ID, err)
	}
	if err := deviceExists(ctx, tx, r.DeviceID); err != nil {
		return fmt.Errorf("create release %s: %w", r.ID, err)
	}
	evidence, err := encodeEvidence(r.Evidence)
	if err != nil {
		return fmt.Errorf("create release %s: %w", r.ID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO releases(id, device_id, operator, stage, outcome, reason, command_id,
		created_at, updated_at, deadline, finished_at, evidence_json, hold_on_timeout, hold_reason, held_since, batch_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.DeviceID, r.Operator, r.Stage, r.Outcome, r.Reason, r.CommandID,
		formatTime(r.CreatedAt), formatTime(r.UpdatedAt), formatTime(r.Deadline), nullTime(r.FinishedAt), evidence,
		r.HoldOnTimeout, r.HoldReason, nullTime(r.HeldSince), cmp.Or(r.BatchID, r.ID))
	if isUniqueViolation(err) {
		return fmt.Errorf("create release %s: %w", r.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create release %s: %w", r.ID, err)
	}
	return insertAudit(ctx, tx, AuditEntry{
		At: r.CreatedAt, DeviceID: r.DeviceID, Actor: OperatorActor(r.Operator), Action: AuditReleaseCreated,
		Detail: releaseDetail(r), Note: r.Note,
	})
}

// UpdateRelease overwrites the release's stage, outcome, reason, command,
// times and finish time (ID, device, operator and creation time stay as
// created). When stage, outcome or finish changes, an audit row is written in
// the same transaction.
func (s *Store) UpdateRelease(ctx context.Context, r ReleaseRecord) error {
	return s.StepReleases(ctx, []ReleaseStep{{Release: r}})
}

// ReleaseStep is one release's move: its new record and, when the move
// sends a command, that command to record as queued.
type ReleaseStep struct {
	Release ReleaseRecord
	Command *protocol.Command
	// CommandAt is when the command is recorded.
	CommandAt time.Time
	// Actor is who moved the release, for the audit trail; empty means the
	// controller's own workflow.
	Actor string
	// Note is the actor's note for the audit row of this move.
	Note string
	// ReadAt is the release's UpdatedAt when the move was decided. A leased
	// step (StepLeasedReleases) is not saved over a release changed since
	// (an operator's cancel through another controller).
	ReadAt time.Time
}

// StepReleases saves many releases' moves in one transaction, each as
// UpdateRelease and RecordCommand would: the new stages and the commands
// they send are on disk together, before anything is sent. Either every
// step is stored or none.
func (s *Store) StepReleases(ctx context.Context, steps []ReleaseStep) error {
	_, err := s.stepReleases(ctx, steps, nil)
	return err
}

// stepReleases is StepReleases; when fence is set, a step it refuses is
// left out (and returned) and the others are saved.
func (s *Store) stepReleases(ctx context.Context, steps []ReleaseStep, fence func(context.Context, *sql.Tx, ReleaseStep) (bool, error)) (refused []ReleaseStep, err error) {
	if len(steps) == 0 {
		return nil, nil
	}
	ctx, outbox := withOutbox(ctx)
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("update %d releases: %w", len(steps), err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, st := range steps {
		if fence != nil {
			ok, err := fence(ctx, tx, st)
			if err != nil {
				return nil, err
			}
			if !ok {
				refused = append(refused, st)
				continue
			}
		}
		if err := updateRelease(ctx, tx, st.Release, cmp.Or(st.Actor, ActorController), st.Note); err != nil {
			return nil, err
		}
		if st.Command != nil {
			if err := recordCommand(ctx, tx, *st.Command, st.CommandAt); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update %d releases: commit: %w", len(steps), err)
	}
	s.notifyOutbox(outbox)
	return refused, nil
}

func updateRelease(ctx context.Context, tx *sql.Tx, r ReleaseRecord, actor, note string) error {
	old, err := scanRelease(tx.QueryRowContext(ctx, `SELECT `+releaseColumns+` FROM releases WHERE id = ?`, r.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("update release %s: %w", r.ID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("update release %s: %w", r.ID, err)
	}
	r.DeviceID, r.Operator, r.CreatedAt, r.BatchID = old.DeviceID, old.Operator, old.CreatedAt, old.BatchID
	if err := r.check(); err != nil {
		return fmt.Errorf("update release %s: %w", r.ID, err)
	}
	if len(r.Evidence) < len(old.Evidence) {
		// Evidence only grows: a caller holding an older view keeps what
		// was already seen.
		r.Evidence = old.Evidence
	}
	evidence, err := encodeEvidence(r.Evidence)
	if err != nil {
		return fmt.Errorf("update release %s: %w", r.ID, err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE releases SET stage = ?, outcome = ?, reason = ?, command_id = ?,
		updated_at = ?, deadline = ?, finished_at = ?, evidence_json = ?, hold_on_timeout = ?, hold_reason = ?, held_since = ? WHERE id = ?`,
		r.Stage, r.Outcome, r.Reason, r.CommandID, formatTime(r.UpdatedAt), formatTime(r.Deadline),
		nullTime(r.FinishedAt), evidence, r.HoldOnTimeout, r.HoldReason, nullTime(r.HeldSince), r.ID)
	if err != nil {
		return fmt.Errorf("update release %s: %w", r.ID, err)
	}
	if old.Stage != r.Stage || old.Outcome != r.Outcome || old.Finished() != r.Finished() || len(r.Evidence) != len(old.Evidence) {
		if err := insertAudit(ctx, tx, AuditEntry{
			At: r.UpdatedAt, DeviceID: r.DeviceID, Actor: actor, Action: AuditReleaseChanged,
			Detail: releaseDetail(r), Note: note,
		}); err != nil {
			return err
		}
	}
	if old.Outcome == OutcomeReleased && r.Outcome != OutcomeReleased {
		// Seen locked after its reset: its certificates no longer stand.
		if _, err := tx.ExecContext(ctx, `UPDATE certificates SET superseded = ? WHERE release_id = ? AND superseded = ''`,
			r.Reason, r.ID); err != nil {
			return fmt.Errorf("supersede the certificates of release %s: %w", r.ID, err)
		}
	}
	return emitReleaseEvent(ctx, tx, old, r)
}

// releaseDetail describes a release for the audit trail.
func releaseDetail(r ReleaseRecord) string {
	parts := []string{"release " + r.ID, "stage " + r.Stage}
	if r.Outcome != "" {
		parts = append(parts, "outcome "+r.Outcome)
	}
	if r.CommandID != "" {
		parts = append(parts, "command "+r.CommandID)
	}
	if n := len(r.Evidence); n > 0 {
		e := r.Evidence[n-1]
		parts = append(parts, "evidence "+e.Kind+" at "+e.At.UTC().Format(time.RFC3339)+" ("+e.Source+")")
	}
	// A released phone's reason is the agent's own detail text: leave it
	// out; failure reasons are the controller's, in stages and risk kinds.
	if r.Reason != "" && r.Outcome != OutcomeReleased {
		parts = append(parts, "reason: "+r.Reason)
	}
	return strings.Join(parts, "; ")
}

// Release returns one release, or an error wrapping ErrNotFound.
func (s *Store) Release(ctx context.Context, id string) (ReleaseRecord, error) {
	r, err := scanRelease(s.r.QueryRowContext(ctx, `SELECT `+releaseColumns+` FROM releases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ReleaseRecord{}, fmt.Errorf("release %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return ReleaseRecord{}, fmt.Errorf("read release %s: %w", id, err)
	}
	return r, nil
}

// Releases lists releases matching f, oldest first.
func (s *Store) Releases(ctx context.Context, f ReleaseFilter) ([]ReleaseRecord, error) {
	var (
		conds []string
		args  []any
	)
	if f.DeviceID != "" {
		conds, args = append(conds, `device_id = ?`), append(args, f.DeviceID)
	}
	if f.Unfinished {
		conds = append(conds, `finished_at IS NULL`)
	}
	if f.Outcome != "" {
		conds, args = append(conds, `outcome = ?`), append(args, f.Outcome)
	}
	q := `SELECT rowid AS n, ` + releaseColumns + ` FROM releases`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q = `SELECT ` + releaseColumns + ` FROM (` + q + ` ORDER BY created_at DESC, n DESC LIMIT ?) AS newest ORDER BY created_at, n`
	args = append(args, limitArg(f.Limit))
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	defer rows.Close()
	out := []ReleaseRecord{}
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, fmt.Errorf("list releases: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	return out, nil
}

// UnfinishedReleases lists every release still running, oldest first: what
// a restarted controller resumes.
func (s *Store) UnfinishedReleases(ctx context.Context) ([]ReleaseRecord, error) {
	return s.Releases(ctx, ReleaseFilter{Unfinished: true})
}

const releaseColumns = `id, device_id, operator, stage, outcome, reason, command_id, created_at, updated_at, deadline, finished_at, evidence_json, hold_on_timeout, hold_reason, held_since, batch_id`

func scanRelease(row rowScanner) (ReleaseRecord, error) {
	var (
		r                          ReleaseRecord
		created, updated, deadline string
		finished, heldSince        sql.NullString
		evidence                   string
	)
	if err := row.Scan(&r.ID, &r.DeviceID, &r.Operator, &r.Stage, &r.Outcome, &r.Reason, &r.CommandID,
		&created, &updated, &deadline, &finished, &evidence, &r.HoldOnTimeout, &r.HoldReason, &heldSince, &r.BatchID); err != nil {
		return r, err
	}
	var err error
	if r.Evidence, err = decodeEvidence(evidence); err != nil {
		return r, fmt.Errorf("release %s: %w", r.ID, err)
	}
	if r.CreatedAt, err = parseTime(created); err != nil {
		return r, fmt.Errorf("release %s: %w", r.ID, err)
	}
	if r.UpdatedAt, err = parseTime(updated); err != nil {
		return r, fmt.Errorf("release %s: %w", r.ID, err)
	}
	if r.Deadline, err = parseTime(deadline); err != nil {
		return r, fmt.Errorf("release %s: %w", r.ID, err)
	}
	if r.FinishedAt, err = parseNullTime(finished); err != nil {
		return r, fmt.Errorf("release %s: %w", r.ID, err)
	}
	if r.HeldSince, err = parseNullTime(heldSince); err != nil {
		return r, fmt.Errorf("release %s: %w", r.ID, err)
	}
	return r, nil
}
