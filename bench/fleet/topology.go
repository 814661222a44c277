package fleet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/keys"
	"github.com/unbind/unbind/internal/pgtest"
)

// The engines a topology may run on.
const (
	RegistrySQLite   = "sqlite"
	RegistryPostgres = "postgres"
	BrokerEmbedded   = "embedded"
	BrokerMosquitto  = "mosquitto"
)

// shareGroup is the benchmark's group of controllers.
const shareGroup = "bench"

// ErrTopology: the options do not describe a topology the controller runs.
var ErrTopology = errors.New("bad topology")

// TopologyOptions choose what the benchmark starts: the registry's engine,
// who holds the phones' connections, and how many controllers share them.
// The zero engines are today's default, SQLite and the embedded broker.
type TopologyOptions struct {
	Registry    string // RegistrySQLite (default) or RegistryPostgres
	Broker      string // BrokerEmbedded (default) or BrokerMosquitto
	Controllers int    // at least 1
	// MaxClients caps the embedded broker (0: fits the open-file limit).
	MaxClients int
	// Child is the command that runs ServeController; the controller's
	// spec is appended as its last argument.
	Child []string
}

func (o *TopologyOptions) setDefaults() {
	if o.Registry == "" {
		o.Registry = RegistrySQLite
	}
	if o.Broker == "" {
		o.Broker = BrokerEmbedded
	}
}

// Check says why the options are not a topology the controller runs.
func (o TopologyOptions) Check() error {
	o.setDefaults()
	if o.Registry != RegistrySQLite && o.Registry != RegistryPostgres {
		return fmt.Errorf("%w: registry %q: want %s or %s", ErrTopology, o.Registry, RegistrySQLite, RegistryPostgres)
	}
	if o.Broker != BrokerEmbedded && o.Broker != BrokerMosquitto {
		return fmt.Errorf("%w: broker %q: want %s or %s", ErrTopology, o.Broker, BrokerEmbedded, BrokerMosquitto)
	}
	if o.Controllers < 1 {
		return fmt.Errorf("%w: %d controllers: want at least 1", ErrTopology, o.Controllers)
	}
	if o.Controllers > 1 && (o.Registry != RegistryPostgres || o.Broker != BrokerMosquitto) {
		return fmt.Errorf("%w: %d controllers share one fleet only with registry %s and broker %s (an SQLite file belongs to one process, and an embedded broker hands every report to its own controller)",
			ErrTopology, o.Controllers, RegistryPostgres, BrokerMosquitto)
	}
	if o.MaxClients != 0 && o.Broker != BrokerEmbedded {
		return fmt.Errorf("%w: max clients caps the embedded broker; Mosquitto's are its own", ErrTopology)
	}
	return nil
}

// Topology is what StartTopology started; Stop ends all of it.
type Topology struct {
	Controllers []*Child
	// Mosquitto holds the phones' connections; nil with the embedded broker.
	Mosquitto *Child
	postgres  *pgtest.Server
	dir       string
}

// StartTopology starts PostgreSQL and Mosquitto when the options ask for
// them, then the controllers one after the other: the first writes
// Mosquitto's logins and ACL from the registry (the other controllers'
// logins included), and with more than one they form one share group on
// one signing key.
func StartTopology(ctx context.Context, o TopologyOptions) (_ *Topology, err error) {
	o.setDefaults()
	if err := o.Check(); err != nil {
		return nil, err
	}
	t := &Topology{}
	defer func() {
		if err != nil {
			t.Stop()
		}
	}()
	if t.dir, err = os.MkdirTemp("", "unbind-bench-topology-"); err != nil {
		return nil, err
	}
	base := ControllerSpec{MaxClients: o.MaxClients}
	if o.Registry == RegistryPostgres {
		if t.postgres, err = pgtest.Start(ctx); err != nil {
			return nil, fmt.Errorf("start PostgreSQL: %w", err)
		}
		if base.Registry, err = t.postgres.CreateDatabase(ctx); err != nil {
			return nil, err
		}
		// One key for the group, made before any controller reads it.
		base.KeyPath = filepath.Join(t.dir, "controller.key")
		if _, err := keys.LoadOrCreate(base.KeyPath); err != nil {
			return nil, err
		}
	}
	var files MosquittoLogins
	if o.Broker == BrokerMosquitto {
		if t.Mosquitto, files, err = StartMosquittoWithLogins(ctx); err != nil {
			return nil, fmt.Errorf("start Mosquitto: %w", err)
		}
		base.BrokerURL = t.Mosquitto.URL
	}
	for i := range o.Controllers {
		spec, password := base, ""
		name := fmt.Sprintf("c%d", i+1)
		if o.Broker == BrokerMosquitto {
			spec.BrokerUsername, password = "unbind-controller-"+name, rand.Text()
			if i == 0 {
				spec.Mosquitto = controller.MosquittoFiles{PasswordFile: files.PasswordFile, ACLFile: files.ACLFile, PIDFile: files.PIDFile}
			}
		}
		if o.Controllers > 1 {
			spec.ShareGroup, spec.Instance = shareGroup, name
		}
		c, err := StartController(ctx, o.Child, spec, password)
		if err != nil {
			return nil, fmt.Errorf("controller %s: %w", name, err)
		}
		c.Instance = name
		t.Controllers = append(t.Controllers, c)
	}
	return t, nil
}

// Target is the topology as the run sees it: the API of the first
// controller, the broker the agents dial, and every process to measure.
func (t *Topology) Target() Target {
	first := t.Controllers[0]
	tg := Target{APIURL: first.API, BrokerURL: first.Broker, Token: first.Token}
	for _, c := range t.Controllers {
		tg.Controllers = append(tg.Controllers, Process{Name: c.Instance, APIURL: c.API, RSS: c.RSS, CPU: c.CPU})
	}
	procs := tg.Controllers
	tg.RSS = func() uint64 {
		var sum uint64
		for _, p := range procs {
			sum += p.RSS()
		}
		return sum
	}
	tg.CPU = func() float64 {
		sum := 0.0
		for _, p := range procs {
			sum += p.CPU()
		}
		return sum
	}
	if t.postgres != nil {
		pid := t.postgres.PID()
		tg.Postgres = &Process{Name: RegistryPostgres, RSS: func() uint64 { return treeMemory(pid) }, CPU: func() float64 { return treeCPU(pid) }}
	}
	if t.Mosquitto != nil {
		tg.Broker = &Process{Name: BrokerMosquitto, RSS: t.Mosquitto.RSS, CPU: t.Mosquitto.CPU}
	}
	return tg
}

// Stop ends the controllers (the last started first), then Mosquitto and
// PostgreSQL, and removes the topology's files.
func (t *Topology) Stop() {
	for i := len(t.Controllers) - 1; i >= 0; i-- {
		t.Controllers[i].Stop()
	}
	if t.Mosquitto != nil {
		t.Mosquitto.Stop()
	}
	if t.postgres != nil {
		_ = t.postgres.Stop()
	}
	if t.dir != "" {
		_ = os.RemoveAll(t.dir)
	}
}
