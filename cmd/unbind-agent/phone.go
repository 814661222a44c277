package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/phonecheck"
)

// phoneOptions choose which phone the agent reads.
type phoneOptions struct {
	ADBSerial        string
	ADBPath          string
	CommandTimeout   time.Duration
	ShowAccountNames bool
}

func (o *phoneOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.ADBSerial, "adb", "", "read the phone with this serial over adb (bench PC) instead of the phone this runs on")
	f.StringVar(&o.ADBPath, "adb-path", "adb", "adb binary to use with --adb")
	f.DurationVar(&o.CommandTimeout, "command-timeout", 10*time.Second, "time limit of each command on the phone")
	f.BoolVar(&o.ShowAccountNames, "show-account-names", false, "show account names in full (they are personal data; masked by default)")
}

func (o *phoneOptions) transport() android.Transport {
	return phonecheck.ADBSource(o.ADBPath).Transport(o.ADBSerial)
}

func (o *phoneOptions) phone(logger *slog.Logger) (agent.Phone, error) {
	if o.CommandTimeout <= 0 {
		return nil, fmt.Errorf("%w: --command-timeout must be positive", errUsage)
	}
	return android.NewDevice(o.transport(), o.deviceConfig(logger)), nil
}

// deviceConfig is how status and run read a phone: --show-account-names
// reaches both (names read, then masked or shown by the agent).
func (o *phoneOptions) deviceConfig(logger *slog.Logger) android.DeviceConfig {
	return android.DeviceConfig{CommandTimeout: o.CommandTimeout, Logger: logger, AccountNames: o.ShowAccountNames}
}
