package controller

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/unbind/unbind/protocol"
)

// singleInstance is the lease owner of a controller that runs alone: a
// constant, so that one restarted on its registry takes back its own
// releases at once instead of waiting for their leases to lapse.
const singleInstance = "single"

// instanceName is what Config.Instance may hold: it appears in MQTT client
// IDs and in the registry's lease rows.
var instanceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// ErrCluster: Config.ShareGroup and Config.Instance do not describe one
// controller of several.
var ErrCluster = errors.New("bad cluster settings")

// checkCluster checks the settings of a controller that shares its fleet
// with others (Config.ShareGroup). Two controllers must never believe they
// are the same one (each would take the other's releases for its own), and
// an embedded broker hands every message to its own controller inside the
// process, so a group needs an external broker that all of them reach.
func checkCluster(cfg Config) error {
	if cfg.ShareGroup == "" {
		if cfg.Instance != "" && !instanceName.MatchString(cfg.Instance) {
			return fmt.Errorf("%w: instance %q: use letters, digits, '.', '_' or '-' (at most 63)", ErrCluster, cfg.Instance)
		}
		return nil
	}
	if _, err := protocol.SharedFilter(cfg.ShareGroup, "x"); err != nil {
		return fmt.Errorf("%w: %w", ErrCluster, err)
	}
	if cfg.BrokerURL == "" {
		return fmt.Errorf("%w: share group %q needs an external broker (--broker) that every controller of the group uses", ErrCluster, cfg.ShareGroup)
	}
	if !instanceName.MatchString(cfg.Instance) {
		return fmt.Errorf("%w: a controller of share group %q needs an instance name of its own (letters, digits, '.', '_' or '-'), got %q", ErrCluster, cfg.ShareGroup, cfg.Instance)
	}
	return nil
}

// instance is this controller's name among those sharing its registry: the
// owner of its release leases and webhook claims.
func (c *Controller) instance() string {
	if c.cfg.Instance != "" {
		return c.cfg.Instance
	}
	return singleInstance
}

// clientID is the controller's MQTT client ID at an external broker: one of
// several needs its own, or the broker would end one's session for the
// other's.
func (c *Controller) clientID() string {
	if c.cfg.ShareGroup == "" {
		return controllerClientID
	}
	return controllerClientID + "-" + c.cfg.Instance
}

// reportFilter is the subscription for one channel of every device: shared
// by the group when there is one, so the broker hands each message to one
// controller.
func (c *Controller) reportFilter(ch protocol.Channel) string {
	f := protocol.AllDevices(ch)
	if c.cfg.ShareGroup == "" {
		return f
	}
	shared, err := protocol.SharedFilter(c.cfg.ShareGroup, f)
	if err != nil { // checkCluster refused such a group at start
		return f
	}
	return shared
}
