package android

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden is what a parser made of one captured output.
type golden struct {
	Result any    `json:"result"`
	Error  string `json:"error,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// parserCases ties each testdata directory to its parser and says, for every
// captured output in it, which error the parser must return (nil: a clean
// answer). A new capture without an expectation fails the test.
var parserCases = []struct {
	dir   string
	parse func(name string, in []byte) (any, error)
	want  map[string]error
}{
	{
		dir:   "pm-list-users",
		parse: func(_ string, in []byte) (any, error) { return ParseUsers(in) },
		want: map[string]error{
			"owner": nil, "samsung-secure-folder": nil, "xiaomi-clone-space": nil, "colon-name": nil,
			"crlf": nil, "empty": ErrEmptyOutput, "denied": ErrSecurityException,
			"odd-line": ErrUnrecognized, "truncated": ErrTruncated, "no-users": ErrUnrecognized,
		},
	},
	{
		dir: "dumpsys-account",
		parse: func(_ string, in []byte) (any, error) {
			d, err := ParseAccountDump(in)
			return dumpFullView{Users: dumpView(d), Authenticators: d.Authenticators}, err
		},
		want: map[string]error{
			"bound-xiaomi": nil, "clean-xiaomi": nil, "samsung-secure-folder": nil, "tricky-names": nil,
			"crlf": nil, "count-mismatch": nil, "truncated": nil, "truncated-at-line": nil,
			"services-not-loaded": nil, "odd-account-line": nil,
			"denied": ErrPermissionDenied, "services-not-loaded-bare": ErrNotLoaded, "empty": ErrEmptyOutput,
			"no-service": ErrNoService, "dump-timeout": ErrTimedOut,
		},
	},
	{
		dir:   "dumpsys-account-checkin",
		parse: func(_ string, in []byte) (any, error) { d, err := ParseAccountCheckin(in); return dumpView(d), err },
		want: map[string]error{
			"bound-xiaomi": nil, "clean-xiaomi": nil, "samsung-secure-folder": nil, "no-blank-between": nil,
			"no-final-blank": nil, "truncated": ErrTruncated, "full-form": ErrUnrecognized,
			"denied": ErrPermissionDenied, "empty": ErrEmptyOutput, "absurd-count": ErrUnrecognized,
			"line-outside-block": ErrUnrecognized,
		},
	},
	{
		dir: "content-query",
		parse: func(name string, in []byte) (any, error) {
			column, _, _ := strings.Cut(name, "-")
			return ParseContentFlag(in, column)
		},
		want: map[string]error{
			"isLastStatusOpen-on": nil, "isLastStatusOpen-off": nil, "isOpen-on": nil, "isLocked-off": nil,
			"isLastStatusOpen-many-columns": nil, "isLastStatusOpen-crlf": nil,
			"isLastStatusOpen-null": ErrNull, "isLastStatusOpen-no-result": ErrNoResult,
			"isLastStatusOpen-denied": ErrPermissionDenied, "isLastStatusOpen-security-exception": ErrSecurityException,
			"isLastStatusOpen-no-provider": ErrNoProvider, "isLastStatusOpen-empty": ErrEmptyOutput,
			"isLastStatusOpen-bool-word": ErrUnrecognized, "isLastStatusOpen-two-rows": ErrUnrecognized,
			"isLastStatusOpen-other-column": ErrUnrecognized,
		},
	},
	{
		dir:   "settings-get",
		parse: func(_ string, in []byte) (any, error) { return ParseSetting(in) },
		want: map[string]error{
			"zero": nil, "one": nil, "crlf": nil, "not-integer": nil, "null": ErrNull, "empty": ErrEmptyOutput,
			"invalid-namespace": ErrUnrecognized, "denied": ErrPermissionDenied, "two-lines": ErrUnrecognized,
		},
	},
	{
		dir:   "getprop",
		parse: func(_ string, in []byte) (any, error) { return ParseGetprop(in) },
		want: map[string]error{
			"xiaomi-hyperos": nil, "samsung": nil, "multiline-value": nil, "crlf": nil, "truncated": nil,
			"empty": ErrEmptyOutput, "garbage": ErrUnrecognized,
		},
	},
	{
		dir:   "getprop-value",
		parse: func(_ string, in []byte) (any, error) { return ParseGetpropValue(in) },
		want:  map[string]error{"value": nil, "unset": nil, "empty": nil, "crlf": nil},
	},
	{
		dir:   "service-call-iphonesubinfo",
		parse: func(_ string, in []byte) (any, error) { return ParseIMEI(in) },
		want: map[string]error{
			"valid": nil, "one-line": nil, "bad-length-column-ok": nil,
			"bad-luhn": ErrUnrecognized, "short": ErrUnrecognized, "null-string": ErrNull,
			"security-exception": ErrSecurityException, "empty": ErrEmptyOutput, "no-service": ErrUnrecognized,
		},
	},
	{
		dir:   "adb-devices",
		parse: func(_ string, in []byte) (any, error) { return ParseADBDevices(in) },
		want: map[string]error{
			"mixed": nil, "none-daemon-start": nil, "no-permissions": nil, "recovery": nil,
			"garbage": ErrUnrecognized, "empty": ErrEmptyOutput, "missing-state": ErrUnrecognized,
		},
	},
	{
		dir:   "am-start",
		parse: func(_ string, in []byte) (any, error) { return nil, ParseAMStart(in) },
		want: map[string]error{
			"started": nil, "already-on-top": nil, "unresolved": ErrNoActivity, "denied": ErrPermissionDenied,
			"no-class": ErrNoActivity, "empty": ErrEmptyOutput,
		},
	},
	{
		dir:   "am-broadcast",
		parse: func(_ string, in []byte) (any, error) { return nil, ParseAMBroadcast(in) },
		want: map[string]error{
			"completed": nil, "denied": ErrPermissionDenied, "cut": ErrTruncated, "empty": ErrEmptyOutput,
		},
	},
	{
		dir:   "dumpsys-device-policy",
		parse: func(_ string, in []byte) (any, error) { return ParseDevicePolicy(in) },
		want: map[string]error{
			"none": nil, "device-owner-frp-policy": nil, "byod-work-profile": nil, "org-owned-work-profile": nil,
			"legacy-device-owner": nil, "frp-policy-disabled": nil,
			"denied": ErrPermissionDenied, "empty": ErrEmptyOutput, "no-service": ErrNoService,
			"truncated": ErrTruncated, "no-header": ErrUnrecognized,
		},
	},
	{
		dir:   "pm-list-packages",
		parse: func(_ string, in []byte) (any, error) { return ParsePackages(in) },
		want: map[string]error{
			"vivo-system": nil, "crlf": nil, "truncated": ErrTruncated, "empty": ErrEmptyOutput,
			"security-exception": ErrSecurityException, "odd-line": ErrUnrecognized,
		},
	},
	{
		dir:   "content-query-rows",
		parse: func(_ string, in []byte) (any, error) { return ParseContentRows(in) },
		want: map[string]error{
			"heytap-one-row": nil, "no-result": nil, "denied": ErrPermissionDenied,
			"no-provider": ErrNoProvider, "empty": ErrEmptyOutput,
		},
	},
	{
		dir:   "tradeinmode-getstatus",
		parse: func(_ string, in []byte) (any, error) { return ParseTradeInStatus(in) },
		want: map[string]error{
			"clean-pixel7": nil, "frp-locked": nil, "no-locks": ErrUnrecognized, "frp-not-bool": ErrUnrecognized,
			"truncated": ErrTruncated, "empty": ErrEmptyOutput, "not-found": ErrCommandNotFound,
			"denied": ErrSecurityException,
		},
	},
	{
		dir:   "su-id",
		parse: func(_ string, in []byte) (any, error) { return ParseRootID(in), nil },
		want:  map[string]error{"root": nil, "shell": nil, "not-found": nil, "denied": nil, "empty": nil},
	},
}

// userView is a user block with its error spelled out for the golden file.
type userView struct {
	UserAccounts
	Error string `json:"error,omitempty"`
}

// dumpFullView adds the authenticators the full dump names.
type dumpFullView struct {
	Users          []userView        `json:"users"`
	Authenticators map[string]string `json:"authenticators,omitempty"`
}

func dumpView(d AccountDump) []userView {
	out := []userView{}
	for _, u := range d.Users {
		v := userView{UserAccounts: u}
		if u.Err != nil {
			v.Error = Reason(u.Err) + ": " + u.Err.Error()
		}
		out = append(out, v)
	}
	return out
}

func TestParsersGolden(t *testing.T) {
	for _, pc := range parserCases {
		inputs, err := filepath.Glob(filepath.Join("testdata", pc.dir, "*.txt"))
		require.NoError(t, err)
		require.NotEmpty(t, inputs, pc.dir)
		for _, in := range inputs {
			name := strings.TrimSuffix(filepath.Base(in), ".txt")
			t.Run(pc.dir+"/"+name, func(t *testing.T) {
				want, ok := pc.want[name]
				require.True(t, ok, "no expectation for %s/%s", pc.dir, name)
				raw, err := os.ReadFile(in)
				require.NoError(t, err)

				result, err := pc.parse(name, raw)
				if want == nil {
					assert.NoError(t, err)
				} else {
					assert.ErrorIs(t, err, want)
				}

				g := golden{Result: result}
				if err != nil {
					g.Error, g.Detail = Reason(err), err.Error()
				}
				got, err := json.MarshalIndent(g, "", "  ")
				require.NoError(t, err)
				got = append(got, '\n')
				path := strings.TrimSuffix(in, ".txt") + ".golden.json"
				if *update {
					require.NoError(t, os.WriteFile(path, got, 0o644))
				}
				expected, err := os.ReadFile(path)
				require.NoError(t, err, "run go test -update to create %s", path)
				assert.Equal(t, string(expected), string(got))
			})
		}
	}
}

func TestParserExpectationsHaveCaptures(t *testing.T) {
	for _, pc := range parserCases {
		for name := range pc.want {
			_, err := os.Stat(filepath.Join("testdata", pc.dir, name+".txt"))
			assert.False(t, errors.Is(err, os.ErrNotExist), "%s/%s expected but not captured", pc.dir, name)
		}
	}
}
