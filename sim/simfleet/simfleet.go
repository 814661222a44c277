// Package simfleet runs the real agent against simulated phones: each phone is
// an androidsim shell under the real Android adapter, with its own agent and
// its own MQTT session. The demo, the end-to-end tests and benchmarks use it.
package simfleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/protocol"
)

// Config configures a fleet.
type Config struct {
	BrokerURL string
	Phones    []*androidsim.Phone
	// Interval and ActiveInterval are passed to every agent.
	Interval       time.Duration
	ActiveInterval time.Duration
	Logger         *slog.Logger
	// Enroll obtains a phone's credentials and the controller's key before
	// its agent starts (tests and the demo ask the controller directly).
	// Nil leaves agents unenrolled: they reject every command, and a broker
	// that checks credentials refuses them.
	Enroll func(ctx context.Context, deviceID string) (agent.Enrollment, error)
	// StateDir, when set, holds one state directory per phone, so that an
	// agent restarted by Restart remembers the commands it received.
	StateDir string
	// TLS is handed to every agent, for a broker that speaks MQTT over TLS.
	TLS *tls.Config
	// OnBench lists serials whose agent runs on a bench PC and reaches the
	// phone over USB (androidsim's Bench), as unbind-agent run --adb does;
	// the others run on the phone.
	OnBench []string
	// Stations names, by serial, the bench station whose agent reports the
	// phone and the lot that station was started with (--station, --lot).
	Stations map[string]protocol.Station
}

// Fleet is a set of running agents. Close stops them all.
type Fleet struct {
	cfg      Config
	mu       sync.Mutex
	agents   map[string]*running
	enrolled map[string]agent.Enrollment // by serial; a restart keeps them
	wg       sync.WaitGroup
}

type running struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Start starts one agent per phone. It does not wait for them to connect.
func Start(ctx context.Context, cfg Config) *Fleet {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	f := &Fleet{cfg: cfg, agents: make(map[string]*running), enrolled: make(map[string]agent.Enrollment)}
	for _, p := range cfg.Phones {
		f.start(ctx, p)
	}
	return f
}

func (f *Fleet) start(ctx context.Context, p *androidsim.Phone) {
	ctx, cancel := context.WithCancel(ctx)
	r := &running{cancel: cancel, done: make(chan struct{})}
	f.mu.Lock()
	f.agents[p.Serial()] = r
	f.mu.Unlock()
	var t android.Transport = p
	if slices.Contains(f.cfg.OnBench, p.Serial()) {
		t = p.Bench()
	}
	device := android.NewDevice(t, android.DeviceConfig{CommandTimeout: 2 * time.Second, Logger: f.cfg.Logger})
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer close(r.done)
		cfg, err := f.agentConfig(ctx, p.Serial())
		if err == nil {
			err = agent.New(device, cfg).Run(ctx)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			r.err = err
			f.cfg.Logger.Error("simulated agent stopped", "device", p.Serial(), "err", err)
		}
	}()
}

// agentConfig enrolls the phone on its first start and configures its agent.
func (f *Fleet) agentConfig(ctx context.Context, serial string) (agent.Config, error) {
	cfg := agent.Config{
		BrokerURL: f.cfg.BrokerURL, DeviceID: serial, Interval: f.cfg.Interval, ActiveInterval: f.cfg.ActiveInterval,
		Version: "sim", Logger: f.cfg.Logger, TLS: f.cfg.TLS,
	}
	if f.cfg.StateDir != "" {
		cfg.StateDir = filepath.Join(f.cfg.StateDir, serial)
	}
	if st, ok := f.cfg.Stations[serial]; ok {
		cfg.Station, cfg.Lot = st.Name, st.Lot
	}
	if f.cfg.Enroll == nil {
		return cfg, nil
	}
	f.mu.Lock()
	e, ok := f.enrolled[serial]
	f.mu.Unlock()
	if !ok {
		var err error
		if e, err = f.cfg.Enroll(ctx, serial); err != nil {
			return cfg, fmt.Errorf("enroll %s: %w", serial, err)
		}
		f.mu.Lock()
		f.enrolled[serial] = e
		f.mu.Unlock()
	}
	cfg.Username, cfg.Password, cfg.ControllerKey = e.Username, e.Password, e.ControllerKey
	if cfg.BrokerURL == "" {
		cfg.BrokerURL = e.BrokerURL
	}
	return cfg, nil
}

// Restart starts again the agent of a phone that Stop stopped.
func (f *Fleet) Restart(ctx context.Context, serial string) error {
	f.mu.Lock()
	r := f.agents[serial]
	f.mu.Unlock()
	if r == nil {
		return fmt.Errorf("no simulated phone %s", serial)
	}
	select {
	case <-r.done:
	default:
		return fmt.Errorf("agent of %s is still running", serial)
	}
	for _, p := range f.cfg.Phones {
		if p.Serial() == serial {
			f.start(ctx, p)
		}
	}
	return nil
}

// Stop stops the agent of one phone cleanly (it says it goes offline) and
// waits for it.
func (f *Fleet) Stop(serial string) {
	f.mu.Lock()
	r := f.agents[serial]
	f.mu.Unlock()
	if r == nil {
		return
	}
	r.cancel()
	<-r.done
}

// Close stops every agent and waits for them.
func (f *Fleet) Close() {
	f.mu.Lock()
	for _, r := range f.agents {
		r.cancel()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// Errors returns the errors agents stopped with, by serial.
func (f *Fleet) Errors() map[string]error {
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := map[string]error{}
	for serial, r := range f.agents {
		select {
		case <-r.done:
			if r.err != nil {
				errs[serial] = r.err
			}
		default:
		}
	}
	return errs
}
