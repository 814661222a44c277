package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrInUse: another process holds the registry (a running controller, or a
// demo emptying it). Two writers on one SQLite file would interleave their
// releases, commands and audit chain; a second one must stop instead.
var ErrInUse = errors.New("registry in use by another process")

// lockSuffix names the lock file beside the registry. It is never deleted:
// removing a lock file others may hold open would let two holders in.
const lockSuffix = ".lock"

// Lock takes the registry at path for this process until the returned
// unlock is called (or the process ends: the kernel drops the lock, so a
// crash never leaves it stale). It fails with ErrInUse, naming the holder's
// process ID, when another process holds it. Open takes it; a tool that
// deletes or replaces the files (the demo's fresh start) takes it first.
func Lock(path string) (unlock func() error, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("lock registry %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("lock registry %s: create directory: %w", abs, err)
	}
	f, err := os.OpenFile(abs+lockSuffix, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock registry %s: %w", abs, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock registry %s: %w", abs, err)
	}
	if !held {
		holder := "another process"
		if b, err := os.ReadFile(abs + lockSuffix); err == nil {
			if pid := strings.TrimSpace(string(b)); pid != "" {
				holder = "process " + pid
			}
		}
		f.Close()
		return nil, fmt.Errorf("%w: %s is held by %s (a controller or demo running on it); stop it or use another --db", ErrInUse, abs, holder)
	}
	// Who holds it, for the next one's message; the lock itself is the
	// kernel's, not this text.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f.Close, nil
}
