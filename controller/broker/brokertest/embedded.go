// Package brokertest starts MQTT brokers for tests: the embedded broker on a
// free port, or a real Mosquitto, so that code written against the embedded
// broker is also checked against the external one it must interoperate with.
package brokertest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/unbind/unbind/controller/broker"
)

// StartEmbedded starts the embedded broker on 127.0.0.1 at a free port and
// closes it when the test ends. Its warnings go to the test's output.
func StartEmbedded(t testing.TB) *broker.Broker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for the embedded broker: %v", err)
	}
	out := &testOutput{w: t.Output()}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Not t.Context(): it ends before the test's other cleanups run, and
	// clients closed there should still find the broker up.
	b, err := broker.Start(context.Background(), broker.Config{Listener: ln, Logger: log, CloseGrace: 200 * time.Millisecond})
	if err != nil {
		_ = ln.Close()
		t.Fatalf("start the embedded broker: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close the embedded broker: %v", err)
		}
		out.stop()
	})
	return b
}

// testOutput forwards log lines to the test's output until the test is over;
// writing to it afterwards would panic.
type testOutput struct {
	mu      sync.Mutex
	w       io.Writer
	stopped bool
}

func (o *testOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stopped {
		return len(p), nil
	}
	return o.w.Write(p)
}

func (o *testOutput) stop() {
	o.mu.Lock()
	o.stopped = true
	o.mu.Unlock()
}
