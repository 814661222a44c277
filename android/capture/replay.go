package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/unbind/unbind/android"
)

// ErrNotCaptured: the replayed phone was asked a command the capture does
// not hold. It never reads as an answer: the check it belongs to fails.
var ErrNotCaptured = errors.New("command not in the capture")

// Replay is an android.Transport that answers from a capture: each command
// gets the answers recorded for it in order, the last one again when asked
// more often. A recorded timeout is a timeout again, at once.
type Replay struct {
	manifest Manifest

	mu      sync.Mutex
	answers map[string][]answer
	next    map[string]int
}

type answer struct {
	res     android.Result
	errKind string
}

func newReplay() *Replay {
	return &Replay{answers: map[string][]answer{}, next: map[string]int{}}
}

func key(argv []string) string { return strings.Join(argv, "\x00") }

func (r *Replay) add(argv []string, a answer) {
	k := key(argv)
	r.answers[k] = append(r.answers[k], a)
}

// Open reads the capture of one phone from dir.
func Open(dir string) (*Replay, error) {
	b, err := readLimited(filepath.Join(dir, ManifestFile), maxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("open capture %s: %w", dir, err)
	}
	m, err := DecodeManifest(b)
	if err != nil {
		return nil, fmt.Errorf("open capture %s: %w", dir, err)
	}
	r := newReplay()
	r.manifest = m
	for _, c := range m.Commands {
		var a answer
		if a.res.Stdout, err = readLimited(filepath.Join(dir, c.Stdout), maxOutputSize); err != nil {
			return nil, fmt.Errorf("open capture %s: %w", dir, err)
		}
		if a.res.Stderr, err = readLimited(filepath.Join(dir, c.Stderr), maxOutputSize); err != nil {
			return nil, fmt.Errorf("open capture %s: %w", dir, err)
		}
		a.res.ExitCode, a.errKind = c.ExitCode, c.Error
		r.add(c.Argv, a)
	}
	return r, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: over %d bytes", path, limit)
	}
	return b, nil
}

// Manifest returns the capture's manifest.
func (r *Replay) Manifest() Manifest { return r.manifest }

// Run answers argv as the phone did.
func (r *Replay) Run(ctx context.Context, argv ...string) (android.Result, error) {
	if err := ctx.Err(); err != nil {
		return android.Result{}, err
	}
	k := key(argv)
	r.mu.Lock()
	as := r.answers[k]
	i := min(r.next[k], len(as)-1)
	r.next[k]++
	r.mu.Unlock()
	if len(as) == 0 {
		return android.Result{}, fmt.Errorf("replay %s: %w", argv[0], ErrNotCaptured)
	}
	a := as[i]
	switch a.errKind {
	case ErrorTimeout:
		return a.res, fmt.Errorf("replay %s: %w", argv[0], context.DeadlineExceeded)
	case ErrorUnreachable:
		return a.res, fmt.Errorf("replay %s: %w", argv[0], android.ErrDeviceUnreachable)
	case ErrorFailed:
		return a.res, fmt.Errorf("replay %s: recorded as failed", argv[0])
	}
	return a.res, nil
}

// List returns the phone captures in dir: dir itself when it holds a
// manifest, else each subdirectory that does, by name.
func List(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err == nil {
		return []string{dir}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list captures in %s: %w", dir, err)
	}
	var dirs []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if _, err := os.Stat(filepath.Join(p, ManifestFile)); err == nil {
			dirs = append(dirs, p)
		}
	}
	slices.Sort(dirs)
	if len(dirs) == 0 {
		return nil, fmt.Errorf("list captures in %s: no %s there or one level down", dir, ManifestFile)
	}
	return dirs, nil
}

// OpenAll opens every capture List finds in dir. It returns their directory
// names in order and the replays by name.
func OpenAll(dir string) ([]string, map[string]*Replay, error) {
	dirs, err := List(dir)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, 0, len(dirs))
	replays := make(map[string]*Replay, len(dirs))
	for _, d := range dirs {
		r, err := Open(d)
		if err != nil {
			return nil, nil, err
		}
		names = append(names, filepath.Base(d))
		replays[filepath.Base(d)] = r
	}
	return names, replays, nil
}
