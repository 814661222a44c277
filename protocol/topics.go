package protocol

import (
	"errors"
	"fmt"
	"strings"
)

// TopicRoot prefixes every Unbind topic; it carries the major version so that
// peers of different versions never read each other's messages.
var TopicRoot = fmt.Sprintf("unbind/v%d", Version)

// Channel names the kind of message a device topic carries.
type Channel string

const (
	// ChannelState carries DeviceState, published retained at QoS 1 by the agent.
	ChannelState Channel = "state"
	// ChannelPresence carries Presence, retained; the agent's last will marks it offline.
	ChannelPresence Channel = "presence"
	// ChannelCommands carries Command, published by the controller to one device.
	ChannelCommands Channel = "commands"
	// ChannelEvents carries CommandEvent, progress of a command published by
	// the agent; a factory reset's steps are retained (since protocol
	// revision 5), so that a controller taking a release over reads the
	// reset's last step again.
	ChannelEvents Channel = "events"
)

var channels = []Channel{ChannelState, ChannelPresence, ChannelCommands, ChannelEvents}

// ErrBadDeviceID reports a device ID that cannot be used in a topic.
var ErrBadDeviceID = errors.New("invalid device id")

// ErrBadTopic reports a topic that is not an Unbind device topic.
var ErrBadTopic = errors.New("not an unbind device topic")

const maxDeviceIDLen = 64

// ValidateDeviceID checks that id is 1 to 64 characters of letters, digits,
// '.', '_', ':' or '-' (Android serials, and adb's host:port serials). Anything
// else could escape its topic level ('/', '+', '#') or smuggle personal data.
func ValidateDeviceID(id string) error {
	if id == "" || len(id) > maxDeviceIDLen {
		return fmt.Errorf("%w: length %d, want 1 to %d", ErrBadDeviceID, len(id), maxDeviceIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == '-', c == ':':
		default:
			return fmt.Errorf("%w: %q has byte 0x%02x at %d", ErrBadDeviceID, id, c, i)
		}
	}
	return nil
}

// DeviceTopic returns the topic of one channel of one device. It fails on an
// invalid device ID rather than building a topic that matches other devices.
func DeviceTopic(deviceID string, ch Channel) (string, error) {
	if err := ValidateDeviceID(deviceID); err != nil {
		return "", err
	}
	return TopicRoot + "/devices/" + deviceID + "/" + string(ch), nil
}

// StateTopic is DeviceTopic(deviceID, ChannelState).
func StateTopic(deviceID string) (string, error) { return DeviceTopic(deviceID, ChannelState) }

// PresenceTopic is DeviceTopic(deviceID, ChannelPresence).
func PresenceTopic(deviceID string) (string, error) { return DeviceTopic(deviceID, ChannelPresence) }

// CommandTopic is DeviceTopic(deviceID, ChannelCommands).
func CommandTopic(deviceID string) (string, error) { return DeviceTopic(deviceID, ChannelCommands) }

// EventTopic is DeviceTopic(deviceID, ChannelEvents).
func EventTopic(deviceID string) (string, error) { return DeviceTopic(deviceID, ChannelEvents) }

// AllDevices returns the subscription filter matching one channel of every device.
func AllDevices(ch Channel) string {
	return TopicRoot + "/devices/+/" + string(ch)
}

// ParseTopic splits a device topic into its device ID and channel.
func ParseTopic(topic string) (deviceID string, ch Channel, err error) {
	rest, ok := strings.CutPrefix(topic, TopicRoot+"/devices/")
	if !ok {
		return "", "", fmt.Errorf("%w: %q", ErrBadTopic, topic)
	}
	id, name, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("%w: %q", ErrBadTopic, topic)
	}
	if err := ValidateDeviceID(id); err != nil {
		return "", "", fmt.Errorf("%w: %q: %w", ErrBadTopic, topic, err)
	}
	for _, c := range channels {
		if string(c) == name {
			return id, c, nil
		}
	}
	return "", "", fmt.Errorf("%w: %q: unknown channel %q", ErrBadTopic, topic, name)
}

// ErrBadShareGroup reports a shared-subscription group name that a broker
// would misread: empty, or holding "/", "+" or "#".
var ErrBadShareGroup = errors.New("invalid share group")

// SharedFilter returns filter as a shared subscription of group
// ("$share/GROUP/FILTER"): the broker hands each matching message to one
// subscriber of the group instead of to each. Several controllers read
// their agents this way; the broker strips the prefix from the topics it
// delivers.
func SharedFilter(group, filter string) (string, error) {
	if group == "" || strings.ContainsAny(group, "/+#") {
		return "", fmt.Errorf("%w: %q", ErrBadShareGroup, group)
	}
	return "$share/" + group + "/" + filter, nil
}
