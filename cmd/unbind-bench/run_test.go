package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRunRefusesBadTopologies: a topology the controller cannot run is
// refused before anything starts, with a message saying what it needs.
func TestRunRefusesBadTopologies(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"help", []string{"--help"}, 0, "--controllers N"},
		{"two controllers on the defaults", []string{"--controllers", "2"}, 2, "only with registry postgres and broker mosquitto"},
		{"two controllers on sqlite", []string{"--controllers", "2", "--broker", "mosquitto"}, 2, "only with registry postgres and broker mosquitto"},
		{"unknown registry", []string{"--registry", "mysql"}, 2, `registry "mysql": want sqlite or postgres`},
		{"unknown broker", []string{"--broker", "emqx"}, 2, `broker "emqx": want embedded or mosquitto`},
		{"zero controllers", []string{"--controllers", "0", "--registry", "postgres"}, 2, "want at least 1"},
		{"max clients on mosquitto", []string{"--broker", "mosquitto", "--max-clients", "5"}, 2, "caps the embedded broker"},
		{"unknown output", []string{"-o", "yaml"}, 2, `-o "yaml": want table or json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, tt.code, run(tt.args, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tt.says)
			assert.Empty(t, stdout.String())
		})
	}
}
