package protocol

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTopics(t *testing.T) {
	for _, ch := range channels {
		topic, err := DeviceTopic("R58M12ABC", ch)
		require.NoError(t, err)
		id, got, err := ParseTopic(topic)
		require.NoError(t, err)
		assert.Equal(t, "R58M12ABC", id)
		assert.Equal(t, ch, got)
	}
}

func TestDeviceIDRejected(t *testing.T) {
	for _, id := range []string{"", "a/b", "+", "#", "a b", "é", string(make([]byte, 65))} {
		_, err := StateTopic(id)
		assert.ErrorIs(t, err, ErrBadDeviceID, "id %q", id)
	}
	_, err := StateTopic("192.168.1.20:5555")
	assert.NoError(t, err, "adb tcp serials are valid ids")
}

func TestParseTopicRejects(t *testing.T) {
	for _, topic := range []string{
		"", "unbind/v1/devices/x", "unbind/v2/devices/x/state", "unbind/v1/devices/x/state/extra",
		"unbind/v1/devices/+/state", "unbind/v1/devices/x/secrets", "other/x/state",
	} {
		_, _, err := ParseTopic(topic)
		assert.ErrorIs(t, err, ErrBadTopic, "topic %q", topic)
	}
}
