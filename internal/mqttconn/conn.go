// Package mqttconn adapts the paho MQTT client to the few calls Unbind needs,
// with context-aware waits and a reconnect loop that adds jitter, so that a
// bench of phones does not reconnect in lockstep after a broker restart.
// Agents and the controller each declare the small interface they consume;
// *Conn satisfies both.
package mqttconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Will is the message the broker publishes when the connection drops uncleanly.
type Will struct {
	Topic    string
	Payload  []byte
	QoS      byte
	Retained bool
}

// Options configure a connection.
type Options struct {
	// BrokerURL is tcp://host:port (or ssl://, ws://).
	BrokerURL string
	// TLSConfig is used for ssl:// (and tls://, wss://) brokers; nil means
	// the system roots and the host of BrokerURL as the server name.
	TLSConfig *tls.Config
	// ClientID must be stable across restarts so the broker resumes the session.
	ClientID string
	Username string
	Password string
	// CleanSession false keeps subscriptions and queued QoS 1 messages on the
	// broker while the client is away.
	CleanSession bool
	Will         *Will
	// OrderMatters runs message handlers one at a time, in the order the
	// broker sent the messages, on paho's own goroutine; the broker's
	// acknowledgement waits for each handler, so handlers must never block.
	// Otherwise each handler runs on a goroutine of its own, and messages of
	// one topic may overtake each other.
	OrderMatters bool
	// Default, when set, receives the messages no subscription's handler
	// matches any more: those of a filter ReadRetained has just left, which
	// the broker had already sent. It must not block.
	Default func(topic string, payload []byte)
	// OnConnect runs after every successful (re)connection and after the
	// subscriptions are restored. It runs on its own goroutine and must be short.
	OnConnect func()
	Logger    *slog.Logger
	// MinBackoff and MaxBackoff bound the reconnect delay; each delay is drawn
	// at random from its upper half.
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// ErrClosed is returned by calls on a closed connection.
var ErrClosed = errors.New("mqtt connection closed")

// Conn is one MQTT session that reconnects by itself until closed.
type Conn struct {
	opts   Options
	client paho.Client
	log    *slog.Logger

	mu   sync.Mutex
	subs map[string]subscription

	lost   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

type subscription struct {
	qos     byte
	handler func(topic string, payload []byte)
}

// Dial connects to the broker and returns once connected, or with an error
// when ctx ends first. After that, the connection is kept up by a goroutine
// that Close stops.
func Dial(ctx context.Context, opts Options) (*Conn, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = 30 * time.Second
	}
	c := &Conn{
		opts: opts,
		log:  opts.Logger,
		subs: make(map[string]subscription),
		lost: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	po := paho.NewClientOptions().
		AddBroker(opts.BrokerURL).
		SetClientID(opts.ClientID).
		SetUsername(opts.Username).
		SetPassword(opts.Password).
		SetCleanSession(opts.CleanSession).
		SetOrderMatters(opts.OrderMatters).
		SetAutoReconnect(false). // our loop reconnects, with jitter and a context
		SetConnectRetry(false).
		SetKeepAlive(30 * time.Second).
		SetConnectTimeout(10 * time.Second).
		SetOnConnectHandler(func(paho.Client) { go c.onConnect() }).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			c.log.Warn("mqtt connection lost", "broker", opts.BrokerURL, "err", err)
			select {
			case c.lost <- struct{}{}:
			default:
			}
		})
	if opts.Default != nil {
		po.SetDefaultPublishHandler(wrap(opts.Default))
	}
	if opts.TLSConfig != nil {
		po.SetTLSConfig(opts.TLSConfig)
	}
	if opts.Will != nil {
		po.SetBinaryWill(opts.Will.Topic, opts.Will.Payload, opts.Will.QoS, opts.Will.Retained)
	}
	c.client = paho.NewClient(po)

	if err := c.connectUntil(ctx); err != nil {
		return nil, fmt.Errorf("connect to %s as %s: %w", opts.BrokerURL, opts.ClientID, err)
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go c.reconnectLoop(loopCtx)
	return c, nil
}

// connectUntil retries with backoff until connected or ctx ends.
func (c *Conn) connectUntil(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		err := wait(ctx, c.client.Connect())
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		c.log.Info("mqtt connect failed, retrying", "broker", c.opts.BrokerURL, "attempt", attempt+1, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(c.backoff(attempt)):
		}
	}
}

func (c *Conn) reconnectLoop(ctx context.Context) {
	defer close(c.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.lost:
		}
		// Let the first reconnect of a fleet spread out too.
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.backoff(0)):
		}
		if err := c.connectUntil(ctx); err != nil {
			return
		}
		c.log.Info("mqtt reconnected", "broker", c.opts.BrokerURL)
	}
}

// backoff doubles from MinBackoff up to MaxBackoff and picks a point at random
// in the upper half of that span.
func (c *Conn) backoff(attempt int) time.Duration {
	d := c.opts.MinBackoff
	for i := 0; i < attempt && d < c.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.opts.MaxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

func (c *Conn) onConnect() {
	c.mu.Lock()
	subs := make(map[string]subscription, len(c.subs))
	for k, v := range c.subs {
		subs[k] = v
	}
	c.mu.Unlock()
	// The broker may have lost our session (restart, clean broker); asking
	// again is harmless when it did not.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for filter, s := range subs {
		if err := wait(ctx, c.client.Subscribe(filter, s.qos, wrap(s.handler))); err != nil {
			c.log.Warn("mqtt resubscribe failed", "topic", filter, "err", err)
		}
	}
	if c.opts.OnConnect != nil {
		c.opts.OnConnect()
	}
}

// Publish sends payload and waits for the broker's acknowledgement (QoS 1)
// or for ctx to end.
func (c *Conn) Publish(ctx context.Context, topic string, qos byte, retained bool, payload []byte) error {
	if c.closed() {
		return ErrClosed
	}
	if err := wait(ctx, c.client.Publish(topic, qos, retained, payload)); err != nil {
		return fmt.Errorf("publish to %s: %w", topic, err)
	}
	return nil
}

// Subscribe registers h for filter, now and after every reconnect. h runs on
// a paho goroutine and must not block.
func (c *Conn) Subscribe(ctx context.Context, filter string, qos byte, h func(topic string, payload []byte)) error {
	if c.closed() {
		return ErrClosed
	}
	c.mu.Lock()
	c.subs[filter] = subscription{qos: qos, handler: h}
	c.mu.Unlock()
	if err := wait(ctx, c.client.Subscribe(filter, qos, wrap(h))); err != nil {
		return fmt.Errorf("subscribe to %s: %w", filter, err)
	}
	return nil
}

// ReadRetained subscribes to topics only long enough for the broker to
// send what it retains on them, which it does at once on a subscription,
// then leaves them: h receives those messages (and Options.Default any that
// arrive after the subscription is gone). Unlike Subscribe, the topics are
// not subscribed again after a reconnect.
func (c *Conn) ReadRetained(ctx context.Context, topics []string, h func(topic string, payload []byte)) error {
	if c.closed() {
		return ErrClosed
	}
	if len(topics) == 0 {
		return nil
	}
	filters := make(map[string]byte, len(topics))
	for _, t := range topics {
		filters[t] = 1
	}
	if err := wait(ctx, c.client.SubscribeMultiple(filters, wrap(h))); err != nil {
		return fmt.Errorf("read retained messages of %d topics: %w", len(topics), err)
	}
	if err := wait(ctx, c.client.Unsubscribe(topics...)); err != nil {
		return fmt.Errorf("leave %d topics: %w", len(topics), err)
	}
	return nil
}

// IsConnected reports whether the session is up right now.
func (c *Conn) IsConnected() bool { return c.client.IsConnectionOpen() }

// Close stops reconnecting and disconnects, giving in-flight work up to
// quiesce to finish. A clean disconnect does not fire the will.
func (c *Conn) Close(quiesce time.Duration) {
	c.once.Do(func() {
		if c.cancel != nil {
			c.cancel()
			<-c.done
		}
		c.client.Disconnect(uint(quiesce.Milliseconds()))
	})
}

func (c *Conn) closed() bool {
	if c.cancel == nil {
		return false
	}
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func wrap(h func(topic string, payload []byte)) paho.MessageHandler {
	return func(_ paho.Client, m paho.Message) { h(m.Topic(), m.Payload()) }
}

// wait blocks until the token completes or ctx ends; paho tokens know nothing
// of contexts.
func wait(ctx context.Context, t paho.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}
