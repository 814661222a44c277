package agent

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/unbind/unbind/internal/mqttconn"
)

// Conn is the MQTT session the agent needs.
type Conn interface {
	Publish(ctx context.Context, topic string, qos byte, retained bool, payload []byte) error
	Subscribe(ctx context.Context, filter string, qos byte, h func(topic string, payload []byte)) error
	Close(quiesce time.Duration)
}

// DialOptions is what the agent asks of a new MQTT session.
type DialOptions struct {
	BrokerURL string
	// TLS is the client configuration for ssl:// brokers; nil means the
	// system roots.
	TLS      *tls.Config
	Username string
	Password string
	ClientID string
	// WillTopic and WillPayload mark the device offline if the agent vanishes.
	WillTopic   string
	WillPayload []byte
	// OnConnect runs after every (re)connection; it must not block.
	OnConnect func()
}

// DialMQTT opens a persistent paho session: stable client ID, clean session
// off, subscriptions restored and jittered reconnects.
func DialMQTT(ctx context.Context, o DialOptions) (Conn, error) {
	return mqttconn.Dial(ctx, mqttconn.Options{
		BrokerURL:    o.BrokerURL,
		TLSConfig:    o.TLS,
		ClientID:     o.ClientID,
		Username:     o.Username,
		Password:     o.Password,
		CleanSession: false,
		Will:         &mqttconn.Will{Topic: o.WillTopic, Payload: o.WillPayload, QoS: 1, Retained: true},
		OnConnect:    o.OnConnect,
	})
}
