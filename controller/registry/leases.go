package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Lease is who drives a release and until when (on that controller's
// clock). Several controllers on one registry drive each release from one
// of them at a time: the one holding its lease.
type Lease struct {
	Owner   string
	Expires time.Time
}

// ClaimReleases takes the lease of each release in ids for owner until
// now+ttl, where no lease is held, the lease lapsed (expires at or before
// now) or owner already holds it. Each claim is one conditional write, so of
// two controllers claiming at once exactly one wins. It returns the lease
// each release has afterwards: owner's, or the other holder's.
func (s *Store) ClaimReleases(ctx context.Context, owner string, ids []string, now time.Time, ttl time.Duration) (map[string]Lease, error) {
	out := make(map[string]Lease, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if owner == "" || ttl <= 0 {
		return nil, errors.New("claim releases: an owner and a positive lease are required")
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim %d releases: %w", len(ids), err)
	}
	defer func() { _ = tx.Rollback() }()
	until, at := formatTime(now.Add(ttl)), formatTime(now)
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO release_leases(release_id, owner, expires_at) VALUES (?, ?, ?)
			ON CONFLICT(release_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
			WHERE release_leases.owner = excluded.owner OR release_leases.expires_at <= ?`, id, owner, until, at); err != nil {
			return nil, fmt.Errorf("claim release %s: %w", id, err)
		}
		l, err := readLease(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		out[id] = l
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim %d releases: commit: %w", len(ids), err)
	}
	return out, nil
}

func readLease(ctx context.Context, tx *sql.Tx, id string) (Lease, error) {
	var (
		l       Lease
		expires string
	)
	if err := tx.QueryRowContext(ctx, `SELECT owner, expires_at FROM release_leases WHERE release_id = ?`, id).Scan(&l.Owner, &expires); err != nil {
		return Lease{}, fmt.Errorf("read lease of release %s: %w", id, err)
	}
	var err error
	if l.Expires, err = parseTime(expires); err != nil {
		return Lease{}, fmt.Errorf("read lease of release %s: %w", id, err)
	}
	return l, nil
}

// RenewReleaseLeases extends every lease owner still holds (not lapsed at
// now) to now+ttl, in one write, and returns the releases they are for.
// A lease that lapsed stays lapsed: another controller may have taken it,
// and ClaimReleases takes it back only if none did.
func (s *Store) RenewReleaseLeases(ctx context.Context, owner string, now time.Time, ttl time.Duration) ([]string, error) {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("renew leases of %s: %w", owner, err)
	}
	defer func() { _ = tx.Rollback() }()
	until := formatTime(now.Add(ttl))
	if _, err := tx.ExecContext(ctx, `UPDATE release_leases SET expires_at = ? WHERE owner = ? AND expires_at > ?`,
		until, owner, formatTime(now)); err != nil {
		return nil, fmt.Errorf("renew leases of %s: %w", owner, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT release_id FROM release_leases WHERE owner = ? AND expires_at = ?`, owner, until)
	if err != nil {
		return nil, fmt.Errorf("renew leases of %s: %w", owner, err)
	}
	var held []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("renew leases of %s: %w", owner, err)
		}
		held = append(held, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("renew leases of %s: %w", owner, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("renew leases of %s: commit: %w", owner, err)
	}
	return held, nil
}

// StepLeasedReleases is StepReleases for owner, checked in the same
// transaction: a step is saved only while owner holds its release's lease
// at now and the release is as the step's ReadAt saw it. The steps refused
// are returned, not saved, and none of their commands is recorded, so a
// controller that lost a lease (it stalled past it and another took over)
// never sends a command the new holder does not know of. A step that ends
// its release gives the lease up.
func (s *Store) StepLeasedReleases(ctx context.Context, owner string, now time.Time, steps []ReleaseStep) (refused []ReleaseStep, err error) {
	at := formatTime(now)
	return s.stepReleases(ctx, steps, func(ctx context.Context, tx *sql.Tx, st ReleaseStep) (bool, error) {
		var (
			updated         string
			holder, expires sql.NullString
		)
		err := tx.QueryRowContext(ctx, `SELECT r.updated_at, l.owner, l.expires_at FROM releases r
			LEFT JOIN release_leases l ON l.release_id = r.id WHERE r.id = ?`, st.Release.ID).Scan(&updated, &holder, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("check lease of release %s: %w", st.Release.ID, err)
		}
		if holder.String != owner || expires.String <= at {
			return false, nil
		}
		if !st.ReadAt.IsZero() && updated != formatTime(st.ReadAt) {
			return false, nil
		}
		if st.Release.Finished() {
			if _, err := tx.ExecContext(ctx, `DELETE FROM release_leases WHERE release_id = ?`, st.Release.ID); err != nil {
				return false, fmt.Errorf("give up lease of release %s: %w", st.Release.ID, err)
			}
		}
		return true, nil
	})
}
