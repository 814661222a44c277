package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/unbind/unbind/controller/broker"
)

// reloadCheckUsername is a login written into every password file with a
// fresh password each time: once it can connect, Mosquitto has read that
// file (or a later one). It is needed because Mosquitto 2.0 clears its
// reload flag after reloading, so a SIGHUP arriving during a reload is
// lost. Its '/' keeps it out of the device pattern rules (Mosquitto
// refuses those to such usernames) and no "user" block names it: it may
// neither publish nor receive anything. No device ID holds '/', and
// monitors' usernames start otherwise, so no registry login can be it.
const reloadCheckUsername = "unbind/reload-check"

const (
	// reloadTimeout bounds how long a write waits for Mosquitto to show it
	// reloaded the files.
	reloadTimeout = 30 * time.Second
	// reloadRetryMax caps the wait between checks (and SIGHUPs).
	reloadRetryMax = 2 * time.Second
)

// errNotReloaded: Mosquitto did not take the new files within
// reloadTimeout.
var errNotReloaded = errors.New("mosquitto did not reload its files")

// confirmReload signals Mosquitto (when a pid file is set) and retries
// until the reload check login connects with password, signalling again
// each time it does not.
func (f *brokerFiles) confirmReload(ctx context.Context, password string) error {
	ctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	delay := 20 * time.Millisecond
	var signalErr error // the last failure to signal: Mosquitto may be restarting
	for {
		if f.cfg.PIDFile != "" {
			signalErr = broker.ReloadMosquitto(f.cfg.PIDFile)
		}
		// Mosquitto reloads between two turns of its event loop; the first
		// check is usually late enough.
		select {
		case <-ctx.Done():
			if signalErr != nil {
				return fmt.Errorf("%w within %s: %w", errNotReloaded, reloadTimeout, signalErr)
			}
			if f.cfg.PIDFile == "" {
				return fmt.Errorf("%w within %s: nothing reloads it when its files change (install the path unit of docs/deploy/mosquitto.md, or give its pid file): %w",
					errNotReloaded, reloadTimeout, ctx.Err())
			}
			return fmt.Errorf("%w within %s (signalled through pid file %s): %w", errNotReloaded, reloadTimeout, f.cfg.PIDFile, ctx.Err())
		case <-time.After(delay):
		}
		if f.canLogIn(ctx, password) {
			return nil
		}
		delay = min(2*delay, reloadRetryMax)
	}
}

// canLogIn reports whether the reload check login connects with password.
func (f *brokerFiles) canLogIn(ctx context.Context, password string) bool {
	c := paho.NewClient(paho.NewClientOptions().AddBroker(f.brokerURL).
		SetClientID(reloadCheckUsername).SetUsername(reloadCheckUsername).SetPassword(password).
		SetCleanSession(true).SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(5 * time.Second))
	tok := c.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		return false
	}
	if tok.Error() != nil {
		return false
	}
	c.Disconnect(0)
	return true
}
