package broker

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func mustTopic(t testing.TB, id string, ch protocol.Channel) string {
	t.Helper()
	topic, err := protocol.DeviceTopic(id, ch)
	require.NoError(t, err)
	return topic
}

type aclCase struct {
	topic       string
	read, write bool
}

// aclCases is the shared table of NamespaceOnly decisions; it also seeds the
// fuzz test.
func aclCases(t testing.TB) []aclCase {
	cases := []aclCase{
		{topic: "other/topic"},
		{topic: "#"},
		{topic: "+/#"},
		{topic: "+"},
		{topic: ""},
		{topic: "/"},
		{topic: "unbind"},
		{topic: "unbind/#"},
		{topic: protocol.TopicRoot + "/#"},
		{topic: protocol.TopicRoot + "/devices/#"},
		{topic: protocol.TopicRoot + "/devices/+/+"},
		{topic: protocol.TopicRoot + "/devices/+/#"},
		{topic: protocol.TopicRoot + "/devices/R58M12ABC/#"},
		{topic: protocol.TopicRoot + "/devices/R58M12ABC/+"},
		{topic: protocol.TopicRoot + "/devices/R58M12ABC"},
		{topic: protocol.TopicRoot + "/devices/R58M12ABC/secrets"},
		{topic: protocol.TopicRoot + "/devices/R58M12ABC/state/extra"},
		{topic: protocol.TopicRoot + "/devices//state"},
		{topic: "unbind/v2/devices/R58M12ABC/state"},
		{topic: "unbind/v0/devices/R58M12ABC/state"},
		{topic: "unbind/+/devices/R58M12ABC/state"},
		{topic: "+/v1/devices/R58M12ABC/state"},
		{topic: "$SYS/#"},
		{topic: "$SYS/broker/clients/connected"},
		{topic: "$share/g/" + protocol.AllDevices(protocol.ChannelState)},
		{topic: "$share/g/" + mustTopic(t, "R58M12ABC", protocol.ChannelState)},
		{topic: " " + mustTopic(t, "R58M12ABC", protocol.ChannelState)},
		{topic: strings.ToUpper(mustTopic(t, "R58M12ABC", protocol.ChannelState))},
	}
	for _, ch := range deviceChannels {
		cases = append(cases,
			aclCase{topic: mustTopic(t, "R58M12ABC", ch), read: true, write: true},
			aclCase{topic: mustTopic(t, "192.168.1.20:5555", ch), read: true, write: true},
			aclCase{topic: protocol.AllDevices(ch), read: true},
		)
	}
	return cases
}

func TestNamespaceOnly(t *testing.T) {
	t.Parallel()
	var a NamespaceOnly
	assert.True(t, a.Connect(Peer{}, nil), "any client may connect for now")
	for _, tc := range aclCases(t) {
		assert.Equal(t, tc.read, a.Allow(Peer{ClientID: "c"}, tc.topic, false), "read %q", tc.topic)
		assert.Equal(t, tc.write, a.Allow(Peer{ClientID: "c"}, tc.topic, true), "write %q", tc.topic)
	}
}

// FuzzNamespaceOnly checks that whatever a client sends, nothing outside the
// device topics is allowed.
func FuzzNamespaceOnly(f *testing.F) {
	for _, tc := range aclCases(f) {
		f.Add(tc.topic)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		var a NamespaceOnly
		_, _, parseErr := protocol.ParseTopic(topic)
		if a.Allow(Peer{}, topic, true) {
			assert.NoError(t, parseErr, "write allowed to %q", topic)
		}
		if a.Allow(Peer{}, topic, false) && parseErr != nil {
			assert.Contains(t, allDeviceFilters(), topic, "read allowed on %q", topic)
		}
	})
}

func allDeviceFilters() []string {
	var out []string
	for _, ch := range deviceChannels {
		out = append(out, protocol.AllDevices(ch))
	}
	return out
}
