package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/unbind/unbind/bench/fleet"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/internal/cli"
)

// childArg makes the binary run the controller under test instead.
const childArg = "__controller"

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == childArg {
		maxClients := 0
		if len(args) > 1 {
			maxClients, _ = strconv.Atoi(args[1])
		}
		return fleet.ServeController(maxClients, os.Stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("unbind-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	agents := fs.Int("agents", 1000, "light agents to enroll and connect")
	reports := fs.Int("reports", 100, "state reports each agent publishes in the burst")
	output := fs.String("o", "table", "output: table or json")
	noRef := fs.Bool("no-reference", false, "skip the Mosquitto reference run")
	noRelease := fs.Bool("no-release", false, "skip the release of every phone")
	maxClients := fs.Int("max-clients", 0, "the controller's --max-clients (0: fits the open-file limit)")
	if err := fs.Parse(args); err != nil {
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
	ctl, err := fleet.StartController(ctx, self, childArg, strconv.Itoa(*maxClients))
	if err != nil {
		fmt.Fprintln(stderr, "unbind-bench:", err)
		return 1
	}
	defer ctl.Stop()
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
	res, err := fleet.Run(ctx, fleet.Target{APIURL: ctl.API, BrokerURL: ctl.Broker, Token: ctl.Token, RSS: ctl.RSS, CPU: ctl.CPU}, opts)
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
