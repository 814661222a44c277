package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/unbind/unbind/protocol"
)

// current is what a new state report is compared with.
type current struct {
	hasState    bool
	checkedAt   time.Time
	seq         uint64
	epoch       string
	stateAt     time.Time
	key         stateKey
	hasPresence bool
	online      bool
	presenceAt  time.Time
	// presenceSentAt is the agent's own time on the presence last applied
	// (formatted as stored; "" before migration 0032).
	presenceSentAt string
}

// stateKey is what makes a report worth a history row.
type stateKey struct {
	verdict    protocol.Verdict
	riskKinds  string
	findDevice protocol.Tri
	lostMode   protocol.Tri
	catalogue  int
}

func keyOf(r *protocol.Report) stateKey {
	return stateKey{verdict: r.Verdict(), riskKinds: joinKinds(*r), findDevice: r.FindDevice, lostMode: r.LostMode,
		catalogue: r.Catalogue}
}

// joinKinds is the sorted set of risk kinds: the order of risks and their
// evidence text may vary between identical checks.
func joinKinds(r protocol.Report) string {
	kinds := r.RiskKinds()
	slices.Sort(kinds)
	return protocol.JoinRiskKinds(kinds, ",")
}

func splitKinds(s string) []protocol.RiskKind {
	kinds := []protocol.RiskKind{}
	if s == "" {
		return kinds
	}
	for k := range strings.SplitSeq(s, ",") {
		kinds = append(kinds, protocol.RiskKind(k))
	}
	return kinds
}

// supersedes reports whether a report replaces the current one. Reports of
// one agent epoch are ordered by their sequence alone, so a phone's clock,
// however wrong, cannot freeze its later reports; a report of another epoch
// (the agent lost its state directory) is newer when it arrived later,
// unless that epoch was retired (see retiredEpoch): an agent never returns
// to one, so such a report is a replay. Once the device reported with an
// epoch, a report without one is a replay of what its agent sent before it
// had epochs. Reports without an epoch, from older agents, are ordered by
// check time, never later than their arrival (see reportTime), and then Seq,
// as before. An identical (epoch, seq) is a redelivery.
func (c *current) supersedes(s *protocol.DeviceState, receivedAt time.Time) bool {
	if !c.hasState {
		return true
	}
	switch {
	case s.Epoch != "" && s.Epoch == c.epoch:
		return s.Seq > c.seq
	case s.Epoch != "":
		return !receivedAt.Before(c.stateAt)
	case c.epoch != "":
		return false
	}
	mine, theirs := reportTime(s.CheckedAt, receivedAt), reportTime(c.checkedAt, c.stateAt)
	if !mine.Equal(theirs) {
		return mine.After(theirs)
	}
	return s.Seq > c.seq
}

// reportTime is when a report without an epoch counts as checked: its
// check time, but never later than its arrival. A report dated ahead of
// the controller (up to the clock skew ingest allows) would otherwise
// outrank every honest report until the real time caught up with it.
func reportTime(checkedAt, receivedAt time.Time) time.Time {
	if !receivedAt.IsZero() && checkedAt.After(receivedAt) {
		return receivedAt
	}
	return checkedAt
}

// retiredEpoch reports whether the device's agent left epoch behind.
func retiredEpoch(ctx context.Context, tx *sql.Tx, deviceID, epoch string) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM retired_epochs WHERE device_id = ? AND epoch = ?`, deviceID, epoch).Scan(&n); err != nil {
		return false, fmt.Errorf("read retired epochs of %s: %w", deviceID, err)
	}
	return n > 0, nil
}

// maxRetiredEpochs bounds the epochs kept per device: an agent loses its
// state directory rarely, so the newest few are what a replay can come from.
const maxRetiredEpochs = 64

// retireEpoch records that the device's agent left epoch for another.
func retireEpoch(ctx context.Context, tx *sql.Tx, deviceID, epoch string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO retired_epochs(device_id, epoch, retired_at) VALUES (?, ?, ?)
		ON CONFLICT(device_id, epoch) DO NOTHING`, deviceID, epoch, formatTime(at)); err != nil {
		return fmt.Errorf("retire epoch of %s: %w", deviceID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM retired_epochs WHERE device_id = ? AND epoch NOT IN
		(SELECT epoch FROM retired_epochs WHERE device_id = ? ORDER BY retired_at DESC, rowid DESC LIMIT ?)`,
		deviceID, deviceID, maxRetiredEpochs); err != nil {
		return fmt.Errorf("retire epoch of %s: %w", deviceID, err)
	}
	return nil
}

// loadCurrent reads the device's row; found is false for a device never seen.
func loadCurrent(ctx context.Context, tx *sql.Tx, id string) (c current, found bool, err error) {
	var (
		checkedAt, presenceAt      sql.NullString
		stateAt                    sql.NullString
		seq                        sql.NullInt64
		verdict, kinds, find, lost sql.NullString
		online                     bool
		catalogue                  int
	)
	err = tx.QueryRowContext(ctx, `SELECT state_checked_at, state_seq, verdict, risk_kinds, find_device, lost_mode, online, presence_at,
		state_epoch, state_at, catalogue, presence_sent_at
		FROM devices WHERE id = ?`, id).Scan(&checkedAt, &seq, &verdict, &kinds, &find, &lost, &online, &presenceAt,
		&c.epoch, &stateAt, &catalogue, &c.presenceSentAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("read device %s: %w", id, err)
	}
	if c.checkedAt, err = parseNullTime(checkedAt); err != nil {
		return c, true, fmt.Errorf("read device %s: %w", id, err)
	}
	if c.stateAt, err = parseNullTime(stateAt); err != nil {
		return c, true, fmt.Errorf("read device %s: %w", id, err)
	}
	if c.presenceAt, err = parseNullTime(presenceAt); err != nil {
		return c, true, fmt.Errorf("read device %s: %w", id, err)
	}
	c.hasState = checkedAt.Valid
	c.seq = uint64(seq.Int64) // stored bit for bit; see applyState
	c.key = stateKey{verdict: protocol.Verdict(verdict.String), riskKinds: kinds.String,
		findDevice: protocol.Tri(find.String), lostMode: protocol.Tri(lost.String), catalogue: catalogue}
	c.hasPresence = presenceAt.Valid
	c.online = online
	return c, true, nil
}

// insertDevice creates the row of a device on its first update.
func insertDevice(ctx context.Context, tx *sql.Tx, id string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO devices(id, first_seen, last_seen) VALUES (?, ?, ?)`, id, formatTime(at), formatTime(at))
	if err != nil {
		return fmt.Errorf("create device %s: %w", id, err)
	}
	return nil
}

func applyState(ctx context.Context, tx *sql.Tx, u *Update) (outcome, error) {
	cur, found, err := loadCurrent(ctx, tx, u.DeviceID)
	if err != nil {
		return 0, err
	}
	r := &u.State.Report
	if !cur.supersedes(u.State, u.ReceivedAt) {
		return stale, nil
	}
	if e := u.State.Epoch; found && e != "" && e != cur.epoch {
		switch retired, err := retiredEpoch(ctx, tx, u.DeviceID, e); {
		case err != nil:
			return 0, err
		case retired:
			return stale, nil
		}
		if cur.epoch != "" {
			if err := retireEpoch(ctx, tx, u.DeviceID, cur.epoch, u.ReceivedAt); err != nil {
				return 0, err
			}
		}
	}
	if !found {
		if err := insertDevice(ctx, tx, u.DeviceID, u.ReceivedAt); err != nil {
			return 0, err
		}
	}
	// The report JSON is the one place account names are kept, masked; no
	// other column is derived from Accounts or Risk.Account. Whatever the
	// agent sent is masked again here (an agent run with account names
	// shown, or one that ignores the rule), so a raw name is never stored
	// nor served. A report as received is stored as it came when masking
	// changed nothing: the envelope's extra fields (v, device_id, seq,
	// epoch) are ignored when it is read as a Report.
	body := u.Raw
	if masked, changed := r.Masked(); changed {
		r, body = &masked, nil
	}
	if body == nil {
		var err error
		if body, err = json.Marshal(r); err != nil {
			return 0, fmt.Errorf("encode state of %s: %w", u.DeviceID, err)
		}
	}
	offsetMS := u.ReceivedAt.Sub(r.CheckedAt).Milliseconds()
	key := keyOf(r)
	id := r.Device
	at := formatTime(u.ReceivedAt)
	// Seq is a uint64 and SQLite integers are signed: store the bits.
	seq := int64(u.State.Seq)
	_, err = tx.ExecContext(ctx, `UPDATE devices SET
		serial = coalesce(nullif(?, ''), serial),
		manufacturer = coalesce(nullif(?, ''), manufacturer),
		brand = coalesce(nullif(?, ''), brand),
		model = coalesce(nullif(?, ''), model),
		android_version = coalesce(nullif(?, ''), android_version),
		sdk = coalesce(nullif(?, 0), sdk),
		vendor_os = coalesce(nullif(?, ''), vendor_os),
		imei = coalesce(nullif(?, ''), imei),
		serial_source = coalesce(nullif(?, ''), serial_source),
		last_seen = CASE WHEN last_seen > ? THEN last_seen ELSE ? END,
		state_json = ?, verdict = ?, state_seq = ?, state_at = ?, state_checked_at = ?,
		risk_kinds = ?, find_device = ?, lost_mode = ?, state_epoch = ?, clock_offset_ms = ?, catalogue = ?
		WHERE id = ?`,
		id.Serial, id.Manufacturer, id.Brand, id.Model, id.AndroidVersion, id.SDK, id.VendorOS, id.IMEI, id.SerialSource,
		at, at, string(body), string(key.verdict), seq, at, formatTime(r.CheckedAt),
		key.riskKinds, string(key.findDevice), string(key.lostMode), u.State.Epoch, offsetMS, key.catalogue, u.DeviceID)
	if err != nil {
		return 0, fmt.Errorf("store state of %s: %w", u.DeviceID, err)
	}
	conflict, err := detectIdentityConflicts(ctx, tx, u.DeviceID, id, u.ReceivedAt)
	if err != nil {
		return 0, err
	}
	if cur.hasState && cur.key == key {
		if conflict {
			return applied, nil
		}
		return unchanged, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO state_changes(device_id, at, verdict, risk_kinds, find_device, lost_mode, checked_at, seq, catalogue)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.DeviceID, at, string(key.verdict), key.riskKinds, string(key.findDevice), string(key.lostMode), formatTime(r.CheckedAt), seq,
		key.catalogue)
	if err != nil {
		return 0, fmt.Errorf("record state change of %s: %w", u.DeviceID, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: u.ReceivedAt, DeviceID: u.DeviceID, Actor: AgentActor(u.DeviceID),
		Action: AuditStateChanged, Detail: stateDetail(key, r.CheckedAt)}); err != nil {
		return 0, err
	}
	if err := emitVerdictEvent(ctx, tx, cur, key, u); err != nil {
		return 0, err
	}
	return applied, nil
}

// applyPresence orders presence by arrival: the agent's clock may be wrong,
// and a broker-written will carries the time the agent connected. The
// newest message wins and its arrival is the device's presence time, even
// when it repeats the status (an agent that reconnected before its old
// session's will was sent): were the time kept from the first of a run,
// whether a later will counted as stale would depend on which of two
// controllers wrote first. Only on equal arrival times does the later
// write win (a test's clock that stands still sees an agent's will and its
// next "online" at one time; the second is the truth).
func applyPresence(ctx context.Context, tx *sql.Tx, u *Update) (outcome, error) {
	cur, found, err := loadCurrent(ctx, tx, u.DeviceID)
	if err != nil {
		return 0, err
	}
	online := u.Presence.Status == protocol.Online
	sentAt := formatTime(u.Presence.At)
	if cur.hasPresence && cur.online == online && cur.presenceSentAt == sentAt {
		// The presence already applied, delivered again (a controller
		// rereading what the broker retains, a QoS 1 redelivery): the
		// session did not go down and come back. It is dated by its first
		// arrival, whichever write came first.
		if u.ReceivedAt.Before(cur.presenceAt) {
			if _, err := tx.ExecContext(ctx, `UPDATE devices SET presence_at = ? WHERE id = ?`, formatTime(u.ReceivedAt), u.DeviceID); err != nil {
				return 0, fmt.Errorf("date presence of %s: %w", u.DeviceID, err)
			}
		}
		return stale, nil
	}
	if cur.hasPresence && u.ReceivedAt.Before(cur.presenceAt) {
		return stale, nil
	}
	if !found {
		if err := insertDevice(ctx, tx, u.DeviceID, u.ReceivedAt); err != nil {
			return 0, err
		}
	}
	at := formatTime(u.ReceivedAt)
	changed := !cur.hasPresence || cur.online != online
	presenceAt := u.ReceivedAt
	_, err = tx.ExecContext(ctx, `UPDATE devices SET
		last_seen = CASE WHEN last_seen > ? THEN last_seen ELSE ? END, online = ?, presence_at = ?, presence_sent_at = ?,
		agent_version = coalesce(nullif(?, ''), agent_version)
		WHERE id = ?`, at, at, online, formatTime(presenceAt), sentAt, u.Presence.AgentVersion, u.DeviceID)
	if err != nil {
		return 0, fmt.Errorf("store presence of %s: %w", u.DeviceID, err)
	}
	if !changed {
		return unchanged, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO presence_changes(device_id, at, status) VALUES (?, ?, ?)`,
		u.DeviceID, at, string(u.Presence.Status))
	if err != nil {
		return 0, fmt.Errorf("record presence change of %s: %w", u.DeviceID, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{At: u.ReceivedAt, DeviceID: u.DeviceID, Actor: AgentActor(u.DeviceID),
		Action: AuditPresence, Detail: string(u.Presence.Status)}); err != nil {
		return 0, err
	}
	return applied, nil
}
