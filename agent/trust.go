package agent

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/unbind/unbind/protocol"
)

// This file decides whether a command comes from the controller this agent
// was enrolled with and has not been seen before. Both checks run before
// admit (lifecycle.go), and nothing refused here is ever executed.

// Reasons reported in a rejected CommandEvent.
const (
	reasonNotEnrolled = "agent not enrolled: it has no controller key to check commands against"
	reasonBadSig      = "bad signature: not signed by the controller this agent was enrolled with"
	reasonLostRecord  = "issued before the agent lost its record of received commands"
)

// vet checks a command's origin and novelty. A command already received
// (the one running now, or one that ran) is dropped without a word: a
// redelivery looks the same as a replay, and reporting it rejected would
// end the command at the controller whatever it did. A reset that ran and
// was redelivered (another controller's dispatcher sent it again) read
// "rejected" there, and its release verified and reset the phone again.
func vet(cmd protocol.Command, key ed25519.PublicKey, seen *seenCommands, activeID string) (admission, string) {
	if len(key) == 0 {
		return admitReject, reasonNotEnrolled
	}
	if cmd.ID == activeID {
		return admitDuplicate, ""
	}
	if err := protocol.VerifyCommand(cmd, key); err != nil {
		return admitReject, reasonBadSig
	}
	if seen.has(cmd.ID) {
		return admitDuplicate, ""
	}
	if cmd.IssuedAt.Before(seen.notBefore) {
		return admitReject, reasonLostRecord
	}
	return admitRun, ""
}

// seenFile is the file in Config.StateDir that remembers received commands.
const seenFile = "seen-commands.json"

// seenCommands remembers the IDs of received commands until a day after
// they expire. Keeping them past expiry matters: a command that ran and is
// redelivered late (a controller died before recording the agent's answer,
// and another one sends it again) must be dropped as the duplicate it is.
// Answered "expired" instead, a factory reset that already ran reads as one
// that never did, and the release would verify and reset the phone again.
// The record is written to disk before a command runs, so that neither a
// redelivery nor a replay after an agent restart runs it again.
type seenCommands struct {
	path string // "" keeps the record in memory only
	ids  map[string]time.Time
	// notBefore is set when the record on disk was unreadable: commands
	// issued before it may have run already, so they are refused.
	notBefore time.Time
}

// seenAfterExpiry is how long a command's ID is kept after it expires.
const seenAfterExpiry = 24 * time.Hour

type seenRecord struct {
	V int `json:"v"`
	// IDs maps each command ID to its expiry.
	IDs map[string]time.Time `json:"ids"`
}

// loadSeen reads the record in dir ("" means memory only). A missing file
// is an empty record; an unreadable one is replaced, and every command
// issued before now is refused instead, which errs on the side of not acting.
func loadSeen(dir string, now time.Time, log *slog.Logger) *seenCommands {
	s := &seenCommands{ids: make(map[string]time.Time)}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if dir == "" {
		return s
	}
	s.path = filepath.Join(dir, seenFile)
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s
	}
	var rec seenRecord
	if err == nil {
		err = json.Unmarshal(b, &rec)
	}
	if err == nil && rec.V != 1 {
		err = fmt.Errorf("version %d", rec.V)
	}
	if err != nil {
		log.Error("record of received commands unreadable; refusing commands issued before now", "file", s.path, "err", err)
		s.notBefore = now
		return s
	}
	for id, exp := range rec.IDs {
		if now.Before(exp.Add(seenAfterExpiry)) {
			s.ids[id] = exp
		}
	}
	return s
}

func (s *seenCommands) has(id string) bool {
	_, ok := s.ids[id]
	return ok
}

// add records id and writes the record. On error the ID stays recorded in
// memory, and the caller must not run the command.
func (s *seenCommands) add(id string, expires, now time.Time) error {
	s.ids[id] = expires
	for k, exp := range s.ids {
		if !now.Before(exp.Add(seenAfterExpiry)) {
			delete(s.ids, k)
		}
	}
	if len(s.ids) > maxSeenCommands {
		s.dropSoonestExpiring(len(s.ids) - maxSeenCommands)
	}
	if s.path == "" {
		return nil
	}
	b, err := json.Marshal(seenRecord{V: 1, IDs: s.ids})
	if err != nil {
		return fmt.Errorf("record received command %s: %w", id, err)
	}
	if err := writeFileAtomic(s.path, b, 0o600); err != nil {
		return fmt.Errorf("record received command %s: %w", id, err)
	}
	return nil
}

// dropSoonestExpiring keeps the record bounded. Only a flood of thousands of
// unexpired commands reaches the bound; the IDs dropped are those whose
// commands stop being accepted first.
func (s *seenCommands) dropSoonestExpiring(n int) {
	ids := make([]string, 0, len(s.ids))
	for id := range s.ids {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return s.ids[ids[i]].Before(s.ids[ids[j]]) })
	for _, id := range ids[:n] {
		delete(s.ids, id)
	}
}

// writeFileAtomic replaces path with b: a crash leaves the old file or the
// new one, never a mix.
func writeFileAtomic(path string, b []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
