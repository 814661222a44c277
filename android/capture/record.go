package capture

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/protocol"
)

// Recorder is an android.Transport that runs every command through another
// Transport and keeps what it answered, unchanged, for Write.
type Recorder struct {
	t   android.Transport
	now func() time.Time

	mu       sync.Mutex
	commands []recorded
}

type recorded struct {
	argv     []string
	res      android.Result
	errKind  string
	duration time.Duration
}

// NewRecorder returns a Recorder around t.
func NewRecorder(t android.Transport) *Recorder {
	return &Recorder{t: t, now: time.Now}
}

// Run runs argv through the wrapped Transport and records the answer.
func (r *Recorder) Run(ctx context.Context, argv ...string) (android.Result, error) {
	start := r.now()
	res, err := r.t.Run(ctx, argv...)
	rec := recorded{argv: append([]string(nil), argv...), res: res, duration: r.now().Sub(start)}
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		rec.errKind = ErrorTimeout
	case errors.Is(err, android.ErrDeviceUnreachable):
		rec.errKind = ErrorUnreachable
	default:
		rec.errKind = ErrorFailed
	}
	r.mu.Lock()
	r.commands = append(r.commands, rec)
	r.mu.Unlock()
	return res, err
}

// Options tune a capture.
type Options struct {
	// CommandTimeout bounds each command, as for status.
	CommandTimeout time.Duration
	// ShowAccountNames keeps account names, e-mail addresses, phone
	// numbers, IMEIs and serials as the phone printed them, and runs the
	// commands as status --show-account-names does. Off, they are replaced
	// by pseudonyms.
	ShowAccountNames bool
	// Transport is "adb" or "local", for the manifest.
	Transport string
	// Serial is the adb serial the phone was reached by, if any: it is
	// personal data too.
	Serial string
	// Tool names the program, for the manifest.
	Tool string
	// Now stamps the capture; nil means time.Now.
	Now func() time.Time
	// Pseudonyms is shared by the phones of one capture run; nil gives
	// this phone a table of its own.
	Pseudonyms *Pseudonyms
}

// Result is one phone's capture, kept in memory until written.
type Result struct {
	rec      *Recorder
	opts     Options
	identity android.Props
	report   agentReport
	at       time.Time
}

type agentReport struct {
	verdict string
	risks   []string
}

// Phone reads a phone through t with exactly the commands status runs
// (android.Device.Observe), recording every answer. It fails only when
// Observe fails before anything was recorded.
func Phone(ctx context.Context, t android.Transport, opts Options) (*Result, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	rec := NewRecorder(t)
	rec.now = opts.Now
	dev := android.NewDevice(rec, android.DeviceConfig{
		CommandTimeout: opts.CommandTimeout, AccountNames: opts.ShowAccountNames, Now: opts.Now,
	})
	out := &Result{rec: rec, opts: opts, at: opts.Now().UTC()}
	obs, err := dev.Observe(ctx)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("capture: %w", ctx.Err())
	}
	if err != nil {
		out.report.verdict = "error"
	} else {
		r := agent.Assess(obs, agent.AssessOptions{})
		out.report.verdict = string(r.Verdict())
		for _, risk := range r.Risks {
			out.report.risks = append(out.report.risks, string(risk.Kind))
		}
	}
	rec.mu.Lock()
	n := len(rec.commands)
	rec.mu.Unlock()
	if n == 0 {
		return nil, fmt.Errorf("capture: %w", err)
	}
	// The identity as the parsers see it, read from the recorded answers.
	if props, perr := android.NewDevice(mustReplay(rec), android.DeviceConfig{}).Identify(ctx); perr == nil {
		out.identity = props
	}
	if err == nil {
		out.identity.Identity = obs.Identity
	}
	return out, nil
}

// mustReplay replays what rec recorded, unpseudonymised, in memory.
func mustReplay(rec *Recorder) *Replay {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rp := newReplay()
	for _, c := range rec.commands {
		rp.add(c.argv, answer{res: c.res, errKind: c.errKind})
	}
	return rp
}

// Write stores the capture in a new directory under dir, named after the
// phone's maker, model and (pseudonymised) serial, and returns its path. A
// name an earlier capture took gets a number (-2, -3...): capturing again
// into the same directory keeps both.
func (c *Result) Write(dir string) (string, error) {
	c.rec.mu.Lock()
	cmds := append([]recorded(nil), c.rec.commands...)
	c.rec.mu.Unlock()

	pn := c.opts.Pseudonyms
	if pn == nil {
		pn = NewPseudonyms()
	}
	pn.add("serial", c.opts.Serial)
	pn.add("serial", c.identity.Serial)
	for _, cmd := range cmds {
		pn.collect(cmd.argv, cmd.res.Stdout)
		pn.collect(cmd.argv, cmd.res.Stderr)
	}
	repl := pn.replacer()
	clean := func(s string) string { return s }
	cleanOut := func(_ []string, b []byte) []byte { return b }
	if !c.opts.ShowAccountNames {
		clean = repl.Replace
		cleanOut = func(argv []string, b []byte) []byte { return pn.rewrite(repl, argv, b) }
	}

	m := Manifest{
		Format: Format, Tool: c.opts.Tool, CapturedAt: c.at, Transport: c.opts.Transport,
		Pseudonymised: !c.opts.ShowAccountNames, AccountNames: c.opts.ShowAccountNames,
		Identity: c.identity, Verdict: c.report.verdict, Risks: c.report.risks,
	}
	if m.Transport == "" {
		m.Transport = "local"
	}
	m.Identity.Serial = clean(m.Identity.Serial)
	m.Identity.IMEI = clean(m.Identity.IMEI)
	serial := c.identity.Serial
	if serial == "" {
		serial = c.opts.Serial
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("capture into %s: %w", dir, err)
	}
	path, err := newCaptureDir(dir, dirName(c.identity.Identity, clean(serial)))
	if err != nil {
		return "", err
	}
	name := filepath.Base(path)
	for i, cmd := range cmds {
		argv := make([]string, len(cmd.argv))
		for j, a := range cmd.argv {
			argv[j] = clean(a)
		}
		e := Command{
			Argv: argv, Stdout: fmt.Sprintf("%03d.stdout", i+1), Stderr: fmt.Sprintf("%03d.stderr", i+1),
			ExitCode: cmd.res.ExitCode, Error: cmd.errKind, DurationMS: cmd.duration.Milliseconds(),
		}
		if err := os.WriteFile(filepath.Join(path, e.Stdout), cleanOut(cmd.argv, cmd.res.Stdout), 0o644); err != nil {
			return "", fmt.Errorf("capture of %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(path, e.Stderr), cleanOut(cmd.argv, cmd.res.Stderr), 0o644); err != nil {
			return "", fmt.Errorf("capture of %s: %w", name, err)
		}
		m.Commands = append(m.Commands, e)
	}
	b, err := m.encode()
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(path, ManifestFile), b, 0o644); err != nil {
		return "", fmt.Errorf("capture of %s: %w", name, err)
	}
	return path, nil
}

// maxCaptureDirs bounds the numbered names tried for one phone.
const maxCaptureDirs = 1000

// newCaptureDir creates the directory name under dir, or name-2, name-3...
// when an earlier capture holds that name, and returns its path. Creating
// is the test (os.Mkdir fails on an existing name), so two runs at once
// never share a directory.
func newCaptureDir(dir, name string) (string, error) {
	for i := 1; i <= maxCaptureDirs; i++ {
		path := filepath.Join(dir, name)
		if i > 1 {
			path = fmt.Sprintf("%s-%d", path, i)
		}
		err := os.Mkdir(path, 0o755)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("capture of %s: %w", name, err)
		}
	}
	return "", fmt.Errorf("capture of %s: %s already holds %d captures of it; capture into another --out directory", name, dir, maxCaptureDirs)
}

// dirName names a phone's capture directory so that a person at the bench
// sees which phone it is: maker, model and serial (a pseudonym unless
// account names are shown), e.g. Xiaomi-23127PN0CG-SERIAL0001.
func dirName(id protocol.Identity, serial string) string {
	var parts []string
	for _, p := range []string{cmp.Or(id.Manufacturer, id.Brand), id.Model, serial} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, safeName(p))
		}
	}
	if len(parts) == 0 {
		return "phone"
	}
	return strings.Join(parts, "-")
}

// safeName turns a serial into a directory name.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	s = strings.Trim(s, ".")
	if s == "" {
		return "phone"
	}
	return s
}
