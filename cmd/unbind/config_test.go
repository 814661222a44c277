package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveWith parses serve's command line with runF capturing the options,
// the config file (if any) holding file.
func serveWith(t *testing.T, file string, args ...string) (*serveOptions, error) {
	t.Helper()
	if file != "" {
		path := filepath.Join(t.TempDir(), "unbind.toml")
		require.NoError(t, os.WriteFile(path, []byte(file), 0o600))
		args = append(args, "--config", path)
	}
	var got *serveOptions
	io, _, _ := testStreams()
	cmd := newServeCmd(io, func(_ context.Context, o *serveOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	return got, err
}

const sampleConfig = `
db = "/var/lib/unbind/registry.db"
mqtt-listen = "0.0.0.0:1883"
http-listen = "127.0.0.1:9090"
broker-username = "from-file"
max-clients = 500
command-ttl = "20m"
insecure-http = false
metrics-listen = "127.0.0.1:9465"
`

func TestServeConfigPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		env   string // UNBIND_BROKER_USERNAME
		args  []string
		check func(t *testing.T, o *serveOptions)
	}{
		{"defaults without a file", "", "", nil, func(t *testing.T, o *serveOptions) {
			assert.Equal(t, "127.0.0.1:1883", o.MQTTListen)
			assert.Equal(t, 15*time.Minute, o.CommandTTL)
		}},
		{"file over defaults", sampleConfig, "", nil, func(t *testing.T, o *serveOptions) {
			assert.Equal(t, "/var/lib/unbind/registry.db", o.DBPath)
			assert.Equal(t, "0.0.0.0:1883", o.MQTTListen)
			assert.Equal(t, "127.0.0.1:9090", o.HTTPListen)
			assert.Equal(t, 500, o.MaxClients)
			assert.Equal(t, 20*time.Minute, o.CommandTTL)
			assert.Equal(t, "127.0.0.1:9465", o.MetricsListen)
			assert.Equal(t, "from-file", o.config(nil).BrokerUsername)
			assert.Equal(t, 2*time.Minute, o.MaxReportAge, "a key the file leaves out keeps its default")
		}},
		{"environment over file", sampleConfig, "from-env", nil, func(t *testing.T, o *serveOptions) {
			assert.Equal(t, "from-env", o.config(nil).BrokerUsername)
		}},
		{"flags over environment and file", sampleConfig, "from-env", []string{"--broker-username", "from-flag", "--mqtt-listen", "127.0.0.1:1884", "--max-clients", "7"},
			func(t *testing.T, o *serveOptions) {
				assert.Equal(t, "from-flag", o.config(nil).BrokerUsername)
				assert.Equal(t, "127.0.0.1:1884", o.MQTTListen)
				assert.Equal(t, 7, o.MaxClients)
				assert.Equal(t, "127.0.0.1:9090", o.HTTPListen, "the file still sets what no flag gave")
			}},
		{"a flag set to its default still wins", `command-ttl = "20m"`, "", []string{"--command-ttl", "15m"}, func(t *testing.T, o *serveOptions) {
			assert.Equal(t, 15*time.Minute, o.CommandTTL)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("UNBIND_BROKER_USERNAME", tc.env)
			o, err := serveWith(t, tc.file, tc.args...)
			require.NoError(t, err)
			tc.check(t, o)
		})
	}
}

func TestServeConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"unknown key", "mqtt_listen = \"0.0.0.0:1883\"\n", []string{`unknown key "mqtt_listen"`, "unbind.toml"}},
		{"the config flag itself", "config = \"other.toml\"\n", []string{`unknown key "config"`}},
		{"an unknown table", "[tls]\ncert = \"x.pem\"\n", []string{`unknown key "tls"`}},
		{"a table for a flag", "[broker]\nurl = \"tcp://x:1\"\n", []string{`key "broker"`, "string"}},
		{"string for an int", "max-clients = \"many\"\n", []string{`key "max-clients"`, "integer"}},
		{"int for a string", "db = 5\n", []string{`key "db"`, "string"}},
		{"bad duration", "command-ttl = \"soon\"\n", []string{`key "command-ttl"`}},
		{"bare duration", "command-ttl = 15\n", []string{`key "command-ttl"`, "duration"}},
		{"syntax", "db = \n", []string{"unbind.toml:1:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := serveWith(t, tc.file)
			require.Error(t, err)
			assert.ErrorIs(t, err, errUsage)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	_, err := serveWith(t, "", "--config", filepath.Join(t.TempDir(), "missing.toml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.toml")
}
