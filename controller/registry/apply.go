package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/unbind/unbind/protocol"
)

// Log attribute keys.
const (
	logDevice  = "device"
	logCmdID   = "cmd_id"
	logIndex   = "index"
	logErr     = "err"
	logUpdates = "updates"
)

// outcome is what happened to one update.
type outcome int

const (
	// applied changed what matters of the device: its verdict or risks
	// (the comparison that also writes history and webhooks), its
	// presence, or a command's steps.
	applied outcome = iota
	// unchanged was written but changed none of that: a repeated report or
	// presence.
	unchanged
	stale
	orphan
	invalid
)

func (o outcome) stats() ApplyStats {
	switch o {
	case stale:
		return ApplyStats{Stale: 1}
	case orphan:
		return ApplyStats{Orphans: 1}
	case invalid:
		return ApplyStats{Invalid: 1}
	}
	return ApplyStats{Applied: 1} // applied, unchanged
}

// Apply writes a batch of updates in one transaction. Updates that are
// invalid, stale or fail on their own are skipped (see ApplyBatch); an error
// means nothing of the batch was written.
func (s *Store) Apply(ctx context.Context, batch []Update) error {
	_, err := s.ApplyBatch(ctx, batch)
	return err
}

// ApplyBatch is Apply, also saying what it did with each update. Each update
// runs inside a savepoint, so one that fails is rolled back alone and the rest
// of the batch still commits.
func (s *Store) ApplyBatch(ctx context.Context, batch []Update) (ApplyStats, error) {
	st, _, err := s.ApplyChanges(ctx, batch)
	return st, err
}

// ApplyChanges is ApplyBatch, also naming the devices whose verdict, risks,
// presence or commands changed (not those that only repeated themselves):
// what a live view needs to read again.
func (s *Store) ApplyChanges(ctx context.Context, batch []Update) (ApplyStats, map[string]struct{}, error) {
	var st ApplyStats
	changed := map[string]struct{}{}
	if len(batch) == 0 {
		return st, changed, nil
	}
	ctx, outbox := withOutbox(ctx)
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return ApplyStats{}, nil, fmt.Errorf("apply %d updates: begin: %w", len(batch), err)
	}
	defer func() { _ = tx.Rollback() }()

	for i := range batch {
		u := &batch[i]
		if err := ctx.Err(); err != nil {
			return ApplyStats{}, nil, fmt.Errorf("apply %d updates: %w", len(batch), err)
		}
		if err := validateUpdate(u); err != nil {
			st.Invalid++
			s.logInvalid(i, u, err)
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT u`); err != nil {
			return ApplyStats{}, nil, fmt.Errorf("apply %d updates: savepoint: %w", len(batch), err)
		}
		o, err := s.applyOne(ctx, tx, u)
		if err != nil {
			// If even the rollback fails the transaction is gone (disk full,
			// I/O error, cancelled): the batch as a whole has failed.
			if _, rbErr := tx.ExecContext(ctx, `ROLLBACK TO u; RELEASE u`); rbErr != nil {
				return ApplyStats{}, nil, fmt.Errorf("apply update %d of %d (device %s): %w", i, len(batch), u.DeviceID, errors.Join(err, rbErr))
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ApplyStats{}, nil, fmt.Errorf("apply %d updates: %w", len(batch), ctxErr)
			}
			st.Failed++
			s.log.Warn("registry update failed; skipped", logIndex, i, logDevice, u.DeviceID, logErr, err)
			continue
		}
		if _, err := tx.ExecContext(ctx, `RELEASE u`); err != nil {
			return ApplyStats{}, nil, fmt.Errorf("apply %d updates: release savepoint: %w", len(batch), err)
		}
		if o == invalid {
			s.logInvalid(i, u, errors.New("event names a command of another device"))
		}
		st.add(o.stats())
		if o == applied {
			changed[u.DeviceID] = struct{}{}
		}
	}
	if err := tx.Commit(); err != nil {
		return ApplyStats{}, nil, fmt.Errorf("apply %d updates: commit: %w", len(batch), err)
	}
	s.notifyOutbox(outbox)
	if st.Applied != len(batch) {
		s.log.Debug("registry batch applied", logUpdates, len(batch), "applied", st.Applied, "stale", st.Stale,
			"orphans", st.Orphans, "invalid", st.Invalid, "failed", st.Failed)
	}
	return st, changed, nil
}

func (s *Store) applyOne(ctx context.Context, tx *sql.Tx, u *Update) (outcome, error) {
	switch {
	case u.State != nil:
		o, err := applyState(ctx, tx, u)
		if err != nil || o == stale {
			return o, err
		}
		joined, err := s.applyStation(ctx, tx, u)
		if joined {
			o = applied
		}
		return o, err
	case u.Presence != nil:
		return applyPresence(ctx, tx, u)
	default:
		return applyEvent(ctx, tx, u)
	}
}

// logInvalid never logs an invalid device ID: it is not known to be a
// serial and could carry anything.
func (s *Store) logInvalid(i int, u *Update, err error) {
	if errors.Is(err, protocol.ErrBadDeviceID) {
		s.log.Warn("registry update skipped: invalid device id", logIndex, i)
		return
	}
	s.log.Warn("registry update skipped", logIndex, i, logDevice, u.DeviceID, logErr, err)
}

// validateUpdate re-checks what the decoder checked, because Apply is also
// called by code that builds updates itself, and makes sure every time fits
// the stored format.
func validateUpdate(u *Update) error {
	if err := protocol.ValidateDeviceID(u.DeviceID); err != nil {
		return err
	}
	if !storable(u.ReceivedAt) {
		return errors.New("received_at is missing or out of range")
	}
	n := 0
	for _, set := range []bool{u.State != nil, u.Presence != nil, u.Event != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("update carries %d payloads, want exactly one of state, presence, event", n)
	}
	var (
		msg       protocol.Message
		payloadID string
		at        = u.ReceivedAt
	)
	switch {
	case u.State != nil:
		msg, payloadID, at = u.State, u.State.DeviceID, u.State.CheckedAt
	case u.Presence != nil:
		msg, payloadID, at = u.Presence, u.Presence.DeviceID, u.Presence.At
	default:
		msg, payloadID, at = u.Event, u.Event.DeviceID, u.Event.At
	}
	if payloadID != u.DeviceID {
		return errors.New("payload device_id differs from the update's")
	}
	if u.Raw != nil && (u.State == nil || !u.Decoded) {
		return errors.New("raw bytes are kept only for a decoded state report")
	}
	if !u.Decoded {
		if err := msg.Validate(); err != nil {
			return err
		}
	}
	if !storable(at) {
		return errors.New("payload time is out of range")
	}
	return nil
}
