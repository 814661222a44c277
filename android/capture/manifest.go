// Package capture records what a phone answers to the commands the agent
// runs, and replays it. A capture is a directory per phone: manifest.json
// and one file per stdout and stderr, exactly as the phone printed them,
// with personal data replaced by stable pseudonyms unless asked otherwise.
//
// Recorder is an android.Transport that wraps the real one; Replay is an
// android.Transport that answers from a capture. Both sit under the same
// android.Device, parsers and agent.Assess as a live phone.
package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/unbind/unbind/android"
)

// Format is the manifest format this package writes and reads.
const Format = 1

// ManifestFile is the name of the manifest in a phone's capture directory.
const ManifestFile = "manifest.json"

// Limits of what a manifest may hold, so that a damaged or hostile file
// cannot make the decoder or the replay allocate without bound.
const (
	maxManifestSize = 1 << 20
	maxCommands     = 1000
	maxArgs         = 64
	maxOutputSize   = 16 << 20
)

// Error kinds of a command that did not finish as a Result.
const (
	ErrorTimeout     = "timeout"
	ErrorUnreachable = "unreachable"
	ErrorFailed      = "failed"
)

// ErrBadManifest: the manifest is not one this package can replay.
var ErrBadManifest = errors.New("bad capture manifest")

// Manifest describes one phone's capture.
type Manifest struct {
	Format int `json:"format"`
	// Tool is the program and version that made the capture.
	Tool       string    `json:"tool,omitempty"`
	CapturedAt time.Time `json:"captured_at"`
	// Transport is "adb" or "local" (the agent ran on the phone).
	Transport string `json:"transport"`
	// Pseudonymised: account names, e-mail addresses, phone numbers, IMEIs
	// and serials were replaced by pseudonyms in every file.
	Pseudonymised bool `json:"pseudonymised"`
	// AccountNames: the commands were run as status --show-account-names
	// runs them (the full account dump first).
	AccountNames bool `json:"account_names"`
	// Identity is what the phone's properties said, pseudonymised.
	Identity android.Props `json:"identity"`
	// Verdict and Risks are what the agent concluded when it captured.
	Verdict  string    `json:"verdict,omitempty"`
	Risks    []string  `json:"risks,omitempty"`
	Commands []Command `json:"commands"`
}

// Command is one command run on the phone, in the order it was run.
type Command struct {
	Argv []string `json:"argv"`
	// Stdout and Stderr name the files holding the raw output.
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	ExitCode int    `json:"exit_code"`
	// Error is set when the command did not finish as a Result: timeout,
	// unreachable (adb lost the phone) or failed.
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

var outputName = regexp.MustCompile(`^[0-9]{3,4}\.(stdout|stderr)$`)

// DecodeManifest parses and checks a manifest. It refuses other formats,
// unknown fields, commands without argv, error kinds it does not know, and
// output file names that are not plain names of this capture's own files.
func DecodeManifest(b []byte) (Manifest, error) {
	if len(b) > maxManifestSize {
		return Manifest{}, fmt.Errorf("%w: %d bytes, over %d", ErrBadManifest, len(b), maxManifestSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	if dec.More() {
		return Manifest{}, fmt.Errorf("%w: data after the manifest", ErrBadManifest)
	}
	if m.Format != Format {
		return Manifest{}, fmt.Errorf("%w: format %d, want %d", ErrBadManifest, m.Format, Format)
	}
	if m.Transport != "adb" && m.Transport != "local" {
		return Manifest{}, fmt.Errorf("%w: transport %q", ErrBadManifest, m.Transport)
	}
	if len(m.Commands) == 0 || len(m.Commands) > maxCommands {
		return Manifest{}, fmt.Errorf("%w: %d commands", ErrBadManifest, len(m.Commands))
	}
	for i, c := range m.Commands {
		if err := c.check(); err != nil {
			return Manifest{}, fmt.Errorf("%w: command %d: %w", ErrBadManifest, i, err)
		}
	}
	return m, nil
}

func (c Command) check() error {
	if len(c.Argv) == 0 || len(c.Argv) > maxArgs || c.Argv[0] == "" {
		return errors.New("argv: want 1 to 64 words")
	}
	if !outputName.MatchString(c.Stdout) || !outputName.MatchString(c.Stderr) {
		return fmt.Errorf("output files %q, %q: want NNN.stdout and NNN.stderr", c.Stdout, c.Stderr)
	}
	switch c.Error {
	case "", ErrorTimeout, ErrorUnreachable, ErrorFailed:
	default:
		return fmt.Errorf("error %q", c.Error)
	}
	if c.ExitCode < -1 || c.ExitCode > 255 {
		return fmt.Errorf("exit code %d", c.ExitCode)
	}
	if c.DurationMS < 0 {
		return fmt.Errorf("duration %d", c.DurationMS)
	}
	return nil
}

// encode writes m as indented JSON.
func (m Manifest) encode() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return append(b, '\n'), nil
}
