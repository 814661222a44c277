package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/registry"
)

// MosquittoFiles makes the controller keep an external Mosquitto's logins
// and ACL from the registry: it writes Mosquitto's password_file and
// acl_file (each whole, to a temporary file renamed over the old one) at
// start and after every enrollment, credential replacement, revocation and
// monitor change, then has Mosquitto reload them. The zero value leaves an
// external broker's logins to its operator.
type MosquittoFiles struct {
	// PasswordFile and ACLFile are the paths Mosquitto's password_file and
	// acl_file options name.
	PasswordFile string
	ACLFile      string
	// PIDFile is Mosquitto's pid_file: after each write the controller
	// sends that process SIGHUP, which makes Mosquitto reload both files
	// and disconnect the logins no longer in them. Empty: the files are only
	// written, and something else reloads Mosquitto when they change (a
	// systemd path unit, see docs/deploy/mosquitto.md).
	PIDFile string
}

// writeRetry is how long a failed write of the Mosquitto files waits
// before it is tried again (a full disk, a pid file being replaced).
const writeRetry = 5 * time.Second

func (m MosquittoFiles) enabled() bool {
	return m.PasswordFile != "" || m.ACLFile != "" || m.PIDFile != ""
}

// brokerFiles writes the Mosquitto files whenever the logins change. A
// change asks for a write; writes coalesce, and a caller may wait for the
// first write that began after its change (a revocation waits, so that
// when it returns Mosquitto has been told).
type brokerFiles struct {
	cfg        MosquittoFiles
	reg        *registry.Store
	log        *slog.Logger
	controller broker.MosquittoLogin
	brokerURL  string
	wake       chan struct{}

	mu       sync.Mutex
	asked    uint64        // changes asked for
	written  uint64        // changes covered by the last finished write
	lastErr  error         // of that write
	finished chan struct{} // closed when a write finishes, then replaced
	// last* is what Mosquitto last loaded, to skip a write when nothing
	// changed.
	lastLogins []broker.MosquittoLogin
	lastACL    string
}

// skippedLogins counts the registry's logins left out of the password file.
type skippedLogins struct {
	// noHash: issued before the registry kept a broker hash.
	noHash int
	// unusable: a username Mosquitto cannot read (a device ID with ':'),
	// or the controller's own.
	unusable int
}

func newBrokerFiles(cfg Config, reg *registry.Store, log *slog.Logger) (*brokerFiles, error) {
	m := cfg.Mosquitto
	switch {
	case cfg.BrokerURL == "":
		return nil, errors.New("mosquitto files: they are for an external broker (--broker)")
	case m.PasswordFile == "" || m.ACLFile == "":
		return nil, errors.New("mosquitto files: both a password file and an ACL file are needed")
	case cfg.BrokerUsername == "" || cfg.BrokerPassword == "":
		return nil, errors.New("mosquitto files: the controller's own broker login (username and password) is needed, to be written into them")
	}
	if err := broker.CheckMosquittoUsername(cfg.BrokerUsername); err != nil {
		return nil, fmt.Errorf("mosquitto files: the controller's login: %w", err)
	}
	hash, err := broker.MosquittoHash(cfg.BrokerPassword)
	if err != nil {
		return nil, err
	}
	return &brokerFiles{cfg: m, reg: reg, log: log, controller: broker.MosquittoLogin{Username: cfg.BrokerUsername, Hash: hash},
		brokerURL: cfg.BrokerURL, wake: make(chan struct{}, 1), finished: make(chan struct{})}, nil
}

// first writes the files at start and says once how many logins Mosquitto
// will refuse.
func (f *brokerFiles) first(ctx context.Context) error {
	skipped, err := f.write(ctx)
	if err != nil {
		return err
	}
	if skipped.noHash > 0 {
		f.log.Warn("logins issued before this version have no Mosquitto hash: Mosquitto refuses them until their credentials are issued again (unbind enroll --replace ID)",
			"logins", skipped.noHash)
	}
	if skipped.unusable > 0 {
		f.log.Warn("logins whose username Mosquitto cannot hold (a device ID with ':', or the controller's own username) are left out of its password file",
			"logins", skipped.unusable)
	}
	return nil
}

// changed asks for a write and returns its ticket for wait.
func (f *brokerFiles) changed() uint64 {
	f.mu.Lock()
	f.asked++
	ticket := f.asked
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
	return ticket
}

// wait returns once a write covering ticket finished (with its error), or
// ctx ends.
func (f *brokerFiles) wait(ctx context.Context, ticket uint64) error {
	for {
		f.mu.Lock()
		written, err, finished := f.written, f.lastErr, f.finished
		f.mu.Unlock()
		if written >= ticket {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the mosquitto files: %w", ctx.Err())
		case <-finished:
		}
	}
}

// run writes the files on each change until ctx ends.
func (f *brokerFiles) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		}
		f.mu.Lock()
		ticket := f.asked
		f.mu.Unlock()
		began := time.Now()
		_, err := f.write(ctx)
		took := time.Since(began)
		if err != nil {
			f.log.Error("mosquitto files not updated: logins changed in the registry are not yet changed in Mosquitto; retrying", "err", err, "in", writeRetry)
			time.AfterFunc(writeRetry, func() { f.changed() })
		}
		f.mu.Lock()
		f.written, f.lastErr = ticket, err
		close(f.finished)
		f.finished = make(chan struct{})
		f.mu.Unlock()
		// Mosquitto serves nobody while it reloads (it checks every
		// connected client's password again): rest as long as the write
		// took, so that a stream of enrollments keeps it reloading at most
		// half the time. Changes meanwhile gather into the next write.
		select {
		case <-ctx.Done():
			return
		case <-time.After(took):
		}
	}
}

// write builds both files from the registry, replaces them if they changed
// and has Mosquitto reload them.
func (f *brokerFiles) write(ctx context.Context) (skippedLogins, error) {
	var skipped skippedLogins
	logins, err := f.reg.BrokerLogins(ctx)
	if err != nil {
		return skipped, fmt.Errorf("mosquitto files: %w", err)
	}
	checkPassword := randomSecret()
	checkHash, err := broker.MosquittoHash(checkPassword)
	if err != nil {
		return skipped, err
	}
	lines := []broker.MosquittoLogin{f.controller, {Username: reloadCheckUsername, Hash: checkHash}}
	var monitors []string
	for _, l := range logins {
		switch {
		case l.BrokerHash == "":
			skipped.noHash++
			continue
		case l.Username == f.controller.Username || l.Username == reloadCheckUsername || broker.CheckMosquittoUsername(l.Username) != nil:
			skipped.unusable++
			continue
		}
		lines = append(lines, broker.MosquittoLogin{Username: l.Username, Hash: l.BrokerHash})
		if strings.HasPrefix(l.ID, registry.MonitorPrefix) {
			monitors = append(monitors, l.Username)
		}
	}
	acl, err := broker.MosquittoACL(f.controller.Username, monitors)
	if err != nil {
		return skipped, err
	}
	// Compared without the reload check line, whose password is new each time.
	written := lines[2:]
	f.mu.Lock()
	same := slices.Equal(written, f.lastLogins) && acl == f.lastACL
	f.mu.Unlock()
	if same {
		return skipped, nil
	}
	passwords, err := broker.MosquittoPasswordFile(lines)
	if err != nil {
		return skipped, err
	}
	start := time.Now()
	// The ACL first: a new monitor's rules are in place before its login.
	if err := replaceFile(f.cfg.ACLFile, []byte(acl)); err != nil {
		return skipped, err
	}
	if err := replaceFile(f.cfg.PasswordFile, passwords); err != nil {
		return skipped, err
	}
	if err := f.confirmReload(ctx, checkPassword); err != nil {
		return skipped, err
	}
	f.mu.Lock()
	f.lastLogins, f.lastACL = written, acl
	f.mu.Unlock()
	f.log.Debug("mosquitto files written", "logins", len(lines), "took", time.Since(start))
	return skipped, nil
}

// replaceFile writes data to a temporary file beside path and renames it
// over path, so that Mosquitto never reads half a file. The mode lets the
// group read it: Mosquitto usually runs as its own user (docs/deploy).
func replaceFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o640); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
