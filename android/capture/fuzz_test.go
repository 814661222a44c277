package capture_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/capture"
)

// manifestCases are the manifest decoder's table: unit cases and fuzz seeds.
var manifestCases = []struct {
	name string
	in   string
	ok   bool
}{
	{"valid", `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"adb","pseudonymised":true,"account_names":false,"identity":{},` +
		`"commands":[{"argv":["getprop"],"stdout":"001.stdout","stderr":"001.stderr","exit_code":0,"duration_ms":3}]}`, true},
	{"timeout", `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"local","pseudonymised":true,"account_names":false,"identity":{},` +
		`"commands":[{"argv":["content","query"],"stdout":"001.stdout","stderr":"001.stderr","exit_code":0,"error":"timeout","duration_ms":10000}]}`, true},
	{"other format", `{"format":2,"captured_at":"2026-11-24T09:00:00Z","transport":"adb","identity":{},` +
		`"commands":[{"argv":["getprop"],"stdout":"001.stdout","stderr":"001.stderr"}]}`, false},
	{"path in file name", `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"adb","identity":{},` +
		`"commands":[{"argv":["getprop"],"stdout":"../../etc/passwd","stderr":"001.stderr"}]}`, false},
	{"empty argv", `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"adb","identity":{},` +
		`"commands":[{"argv":[],"stdout":"001.stdout","stderr":"001.stderr"}]}`, false},
	{"unknown error kind", `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"adb","identity":{},` +
		`"commands":[{"argv":["id"],"stdout":"001.stdout","stderr":"001.stderr","error":"ok"}]}`, false},
	{"unknown field", `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"adb","identity":{},"x":1,` +
		`"commands":[{"argv":["id"],"stdout":"001.stdout","stderr":"001.stderr"}]}`, false},
	{"no commands", `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"adb","identity":{},"commands":[]}`, false},
	{"bad transport", `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"usb","identity":{},` +
		`"commands":[{"argv":["id"],"stdout":"001.stdout","stderr":"001.stderr"}]}`, false},
	{"trailing data", `{"format":1,"captured_at":"2026-11-24T09:00:00Z","transport":"adb","identity":{},` +
		`"commands":[{"argv":["id"],"stdout":"001.stdout","stderr":"001.stderr"}]} {}`, false},
	{"not json", `format: 1`, false},
	{"empty", ``, false},
}

func TestDecodeManifest(t *testing.T) {
	for _, tc := range manifestCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := capture.DecodeManifest([]byte(tc.in))
			if !tc.ok {
				require.ErrorIs(t, err, capture.ErrBadManifest)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, capture.Format, m.Format)
			assert.NotEmpty(t, m.Commands)
		})
	}
}

func FuzzDecodeManifest(f *testing.F) {
	for _, tc := range manifestCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := capture.DecodeManifest(b)
		if err != nil {
			return
		}
		// Whatever decodes names only this capture's own files.
		for _, c := range m.Commands {
			for _, name := range []string{c.Stdout, c.Stderr} {
				if name == "" || name[0] == '.' || len(name) > 16 {
					t.Fatalf("file name %q accepted", name)
				}
			}
			if len(c.Argv) == 0 {
				t.Fatal("empty argv accepted")
			}
		}
	})
}
