package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/unbind/unbind/bench/fleet"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/internal/cli"
)

// childArg makes the binary run a controller under test instead; its spec
// follows as JSON (fleet.ControllerSpec).
const childArg = "__controller"

const usage = `unbind-bench: the fleet benchmark. Light agents enroll through the API,
connect, burst state reports, then every phone is released; the figures
are printed as a table or JSON (-o json).

Topology (defaults: one controller on SQLite and its embedded broker):
  --registry postgres    a throwaway PostgreSQL server (Debian's, as
                         scripts/install-deps.sh installs it) holds the registry
  --broker mosquitto     a Mosquitto holds the phones' connections, with the
                         logins and ACL the first controller writes from the registry
  --controllers N        N controller processes in one share group; N > 1 needs
                         --registry postgres --broker mosquitto
The agents dial the broker, the API calls go to the first controller, and
each process's CPU and memory are reported (controllers, postgres, mosquitto).

Flags:
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == childArg {
		spec := ""
		if len(args) > 1 {
			spec = args[1]
		}
		return fleet.ServeController(spec, os.Stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("unbind-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	agents := fs.Int("agents", 1000, "light agents to enroll and connect")
	reports := fs.Int("reports", 100, "state reports each agent publishes in the burst")
	output := fs.String("o", "table", "output: table or json")
	noRef := fs.Bool("no-reference", false, "skip the Mosquitto reference run (a plain Mosquitto relaying the same publishers)")
	noRelease := fs.Bool("no-release", false, "skip the release of every phone")
	maxClients := fs.Int("max-clients", 0, "the embedded broker's --max-clients (0: fits the open-file limit)")
	var topo fleet.TopologyOptions
	fs.StringVar(&topo.Registry, "registry", fleet.RegistrySQLite, "the registry's engine: sqlite or postgres")
	fs.StringVar(&topo.Broker, "broker", fleet.BrokerEmbedded, "who holds the phones' connections: embedded or mosquitto")
	fs.IntVar(&topo.Controllers, "controllers", 1, "controller processes sharing the fleet (more than 1 needs postgres and mosquitto)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	topo.MaxClients = *maxClients
	if err := topo.Check(); err != nil {
		fmt.Fprintln(stderr, "unbind-bench:", err)
		return 2
	}
	if *output != "table" && *output != "json" {
		fmt.Fprintf(stderr, "unbind-bench: -o %q: want table or json\n", *output)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	broker.RaiseFileLimit() // the agents' connections are ours, and the children inherit it

	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "unbind-bench:", err)
		return 1
	}
	topo.Child = []string{self, childArg}
	top, err := fleet.StartTopology(ctx, topo)
	if err != nil {
		fmt.Fprintln(stderr, "unbind-bench:", err)
		return 1
	}
	defer top.Stop()
	opts := fleet.Options{Agents: *agents, Reports: *reports, Release: !*noRelease}
	if !*noRef {
		m, err := fleet.StartMosquitto(ctx)
		switch {
		case err != nil:
			fmt.Fprintln(stderr, "unbind-bench: no Mosquitto reference:", err)
		default:
			defer m.Stop()
			opts.ReferenceURL, opts.ReferenceCPU = m.URL, m.CPU
		}
	}
	if cli.IsTerminal(stderr) {
		opts.Progress = progressBar(stderr)
	}
	res, err := fleet.Run(ctx, top.Target(), opts)
	if opts.Progress != nil {
		fmt.Fprintln(stderr)
	}
	if *output == "json" {
		b, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(b))
	} else {
		printTable(stdout, res)
	}
	if err != nil {
		fmt.Fprintln(stderr, "unbind-bench:", err)
		return 1
	}
	return 0
}
