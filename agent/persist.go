package agent

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/unbind/unbind/protocol"
)

// Files in Config.StateDir besides seenFile.
const (
	// activeFile holds the guided command in progress, so that an agent
	// restarted in the middle of a guided step guides the person again.
	activeFile = "active-command.json"
	// seqFile holds the report sequence: its epoch and a ceiling no report
	// has reached yet.
	seqFile = "report-seq.json"
)

// seqBlock is how many sequence numbers are reserved per write of seqFile:
// the file is written once per seqBlock reports, not once per report, and a
// restart continues above every number the last run could have used.
const seqBlock = 1024

// reportSeq numbers the agent's state reports across restarts.
type reportSeq struct {
	path    string // "" without a state directory
	epoch   string
	last    uint64
	ceiling uint64
	log     *slog.Logger
}

type seqRecord struct {
	V       int    `json:"v"`
	Epoch   string `json:"epoch"`
	Ceiling uint64 `json:"ceiling"`
}

// loadSeq continues the sequence kept in dir, or starts a new epoch when
// there is none (first run, or the state directory was lost).
func loadSeq(dir string, log *slog.Logger) *reportSeq {
	s := &reportSeq{log: log}
	if dir != "" {
		s.path = filepath.Join(dir, seqFile)
		b, err := os.ReadFile(s.path)
		var rec seqRecord
		if err == nil {
			err = json.Unmarshal(b, &rec)
		}
		switch {
		case err == nil && rec.V == 1 && rec.Epoch != "" && len(rec.Epoch) <= 64:
			s.epoch, s.last, s.ceiling = rec.Epoch, rec.Ceiling, rec.Ceiling
			return s
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			log.Warn("report sequence unreadable; starting a new epoch", "file", s.path, "err", err)
		}
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	s.epoch = hex.EncodeToString(b[:])
	return s
}

// next returns the next sequence number, reserving a new block on disk when
// the last one is used up. A failed write is logged and the agent goes on:
// at worst a restart starts a new epoch.
func (s *reportSeq) next() uint64 {
	s.last++
	if s.path != "" && s.last > s.ceiling {
		s.ceiling = s.last + seqBlock
		b, _ := json.Marshal(seqRecord{V: 1, Epoch: s.epoch, Ceiling: s.ceiling})
		if err := writeFileAtomic(s.path, b, 0o600); err != nil {
			s.log.Warn("cannot keep the report sequence", "err", err)
		}
	}
	return s.last
}

// saveActive records the guided command in progress; nil clears it.
func saveActive(dir string, cmd *protocol.Command) error {
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, activeFile)
	if cmd == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clear %s: %w", path, err)
		}
		return nil
	}
	b, err := json.Marshal(cmd)
	if err != nil {
		return fmt.Errorf("encode active command %s: %w", cmd.ID, err)
	}
	return writeFileAtomic(path, b, 0o600)
}

// loadActive returns the guided command (or the reset being watched) a
// previous run left in progress, if it has not expired.
func loadActive(dir string, now time.Time, log *slog.Logger) (protocol.Command, bool) {
	if dir == "" {
		return protocol.Command{}, false
	}
	path := filepath.Join(dir, activeFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return protocol.Command{}, false
	}
	var cmd protocol.Command
	if err == nil {
		err = json.Unmarshal(b, &cmd)
	}
	if err != nil {
		log.Warn("guided command left by the last run is unreadable; ignored", "file", path, "err", err)
		return protocol.Command{}, false
	}
	// A factory_reset is kept only while the agent watches for the wipe
	// after opening the reset screen; resuming it only watches again, it
	// never resets (see executor.poll).
	resumable := cmd.Kind == protocol.CommandSignOut || cmd.Kind == protocol.CommandDisableFindDevice ||
		cmd.Kind == protocol.CommandFactoryReset
	if !resumable || !now.Before(cmd.ExpiresAt) {
		return protocol.Command{}, false
	}
	return cmd, true
}
