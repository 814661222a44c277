package controller

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/registry"
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

// changeLogins: a controller of the group changed the logins (its own
// broker login, a device enrolled or revoked, a monitor added or removed);
// the one writing Mosquitto's files writes them again.
const changeLogins = "logins"

// registerLogin records this controller's broker login in the registry, so
// that whichever controller of the group writes Mosquitto's files lets it
// in (see brokerFiles.write), and tells the others.
func (c *Controller) registerLogin(ctx context.Context) error {
	if c.cfg.ShareGroup == "" || c.cfg.BrokerUsername == "" || c.cfg.BrokerPassword == "" {
		return nil
	}
	hash, err := broker.MosquittoHash(c.cfg.BrokerPassword)
	if err != nil {
		return err
	}
	if err := c.reg.SetControllerLogin(ctx, registry.ControllerLogin{Username: c.cfg.BrokerUsername, BrokerHash: hash, Instance: c.instance()},
		c.cfg.Now().UTC()); err != nil {
		return err
	}
	c.announce(changeLogins, map[string]struct{}{c.instance(): {}})
	return nil
}

// cleanSession is whether the controller's session at an external broker
// ends with its connection. Alone, it does not: a restarted controller
// finds the reports that arrived meanwhile. In a share group it must:
// Mosquitto keeps an offline member's persistent session in the group's
// rotation and queues that member's share there (measured: of 10 messages
// after one of two members went away, the other got 5), so a dead
// controller would hoard half the fleet's reports until it came back.
// What was in flight to it when it died is lost; the agents' next reports
// and the release sweep make up for it.
func (c *Controller) cleanSession() bool { return c.cfg.ShareGroup != "" }

// Instance is the controller's name in its share group; "" alone.
func (c *Controller) Instance() string { return c.cfg.Instance }

// rereadRetained has the broker send again what it retains of the devices
// (their last presence, state and factory reset step), as if they had
// just published it, for the releases this controller took over: a
// controller killed mid-release had acknowledged messages it never wrote (a
// phone's "offline" as it wiped itself, its agent's "wipe started"), and
// without them the release would wait for its deadline.
// It runs apart from the release loop, which must not wait on the broker.
func (c *Controller) rereadRetained(devices map[string]struct{}) {
	if c.conn == nil {
		return
	}
	var topics []string
	for id := range devices {
		for _, ch := range []protocol.Channel{protocol.ChannelPresence, protocol.ChannelState, protocol.ChannelEvents} {
			if topic, err := protocol.DeviceTopic(id, ch); err == nil {
				topics = append(topics, topic)
			}
		}
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(c.runCtx, 30*time.Second)
		defer cancel()
		if err := c.conn.ReadRetained(ctx, topics, c.retainedChange(ctx)); err != nil && c.runCtx.Err() == nil {
			c.log.Warn("releases: read the taken-over phones' retained messages", "devices", len(devices), "err", err)
		}
	}()
}

// retainedChange hands a message read again by rereadRetained to ingest
// when it can hold news: a state report always (its (epoch, seq) tells a
// repeat from a report never written), a presence only when it differs
// from the registry's. A repeated "online" taken as news would date a new
// session now and read as the phone back from the same boot, unreset.
func (c *Controller) retainedChange(ctx context.Context) func(string, []byte) {
	receive := c.receive(ctx)
	return func(topic string, payload []byte) {
		id, ch, err := protocol.ParseTopic(topic)
		if err != nil {
			return
		}
		if ch == protocol.ChannelPresence {
			p, err := protocol.DecodePresence(payload)
			if err != nil {
				return
			}
			d, err := c.reg.Device(ctx, id)
			if err == nil && d.Online == (p.Status == protocol.Online) {
				return
			}
		}
		receive(topic, payload)
	}
}
