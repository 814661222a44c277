package broker

import "github.com/unbind/unbind/protocol"

// role is what a login is, for the access table.
type role uint8

const (
	roleDevice role = iota + 1
	roleMonitor
	// roleController is the controller's own login at an external broker;
	// on the embedded broker the controller works inside the process and
	// has no login.
	roleController
)

// scope is whose topics a rule covers.
type scope uint8

const (
	// ownDevice: the topic of the login's own device only.
	ownDevice scope = iota + 1
	// everyDevice: any device's topic, or the protocol.AllDevices filter
	// of the channel.
	everyDevice
)

// accessRule lets a role read (subscribe to and receive) or write
// (publish to) one channel's topics.
type accessRule struct {
	role    role
	write   bool
	channel protocol.Channel
	scope   scope
}

// accessRules is the one definition of who may use which topic. The
// embedded broker decides by it (DeviceAuth, through allowedBy), and the
// ACL written for Mosquitto is generated from it (MosquittoACL); a test
// checks that the two brokers decide alike. Anything not listed is refused:
// commands come only from the controller, and nobody but the controller
// and monitors reads another device's reports.
var accessRules = []accessRule{
	{roleDevice, true, protocol.ChannelState, ownDevice},
	{roleDevice, true, protocol.ChannelPresence, ownDevice},
	{roleDevice, true, protocol.ChannelEvents, ownDevice},
	{roleDevice, false, protocol.ChannelCommands, ownDevice},

	{roleMonitor, false, protocol.ChannelState, everyDevice},
	{roleMonitor, false, protocol.ChannelPresence, everyDevice},
	{roleMonitor, false, protocol.ChannelEvents, everyDevice},

	{roleController, false, protocol.ChannelState, everyDevice},
	{roleController, false, protocol.ChannelPresence, everyDevice},
	{roleController, false, protocol.ChannelEvents, everyDevice},
	{roleController, true, protocol.ChannelCommands, everyDevice},
}

// allowedBy applies accessRules to a login of role r (deviceID is the
// login's device, for roleDevice). A topic is covered only if it is exactly
// a protocol topic (no wildcard, nothing more), or, for reading every
// device, exactly that channel's protocol.AllDevices filter. It is asked
// about every publish, so on a device's path it allocates nothing.
func allowedBy(r role, deviceID, topic string, write bool) bool {
	id, ch, err := protocol.ParseTopic(topic)
	exact := err == nil
	for i := range accessRules {
		rule := &accessRules[i]
		if rule.role != r || rule.write != write {
			continue
		}
		switch {
		case exact && ch == rule.channel && (rule.scope == everyDevice || id == deviceID):
			return true
		case !exact && !write && rule.scope == everyDevice && topic == protocol.AllDevices(rule.channel):
			return true
		}
	}
	return false
}

// deviceMay: a device writes its own reports and reads its own commands.
func deviceMay(deviceID, topic string, write bool) bool {
	return allowedBy(roleDevice, deviceID, topic, write)
}

// monitorMayRead: a monitor reads every device's reports (state, presence,
// events), by device or through the all-devices filters, never commands.
func monitorMayRead(topic string) bool {
	return allowedBy(roleMonitor, "", topic, false)
}
