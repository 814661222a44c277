// Command idle measures what idle phones cost: it connects light agents to
// a controller on its embedded broker, or to a Mosquitto whose logins and
// ACL that controller writes, each in a process of its own, and reports the
// memory of the controller and of the broker, and how long a revocation
// takes with the fleet connected. See bench/mosquitto.md.
//
//	go run ./bench/cmd/idle -agents 10000 -broker mosquitto
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/unbind/unbind/bench/fleet"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker"
)

// childArg makes the binary run the controller under test; its spec
// follows as JSON (fleet.ControllerSpec).
const (
	childArg = "__controller"
	// controllerLogin is the controller's username on the Mosquitto.
	controllerLogin = "unbind-controller"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == childArg {
		return fleet.ServeController(args[1], os.Stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	agents := fs.Int("agents", 1000, "light agents to enroll and connect")
	brokerKind := fs.String("broker", "mosquitto", "who holds the connections: mosquitto or embedded")
	settle := fs.Duration("settle", 10*time.Second, "how long the connected fleet idles before memory is read")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The agents' connections are this process's, and the children inherit
	// the raised limit (Mosquitto holds as many as the agents).
	fdLimit := broker.RaiseFileLimit()
	if err := measure(ctx, *agents, *brokerKind, *settle, fdLimit, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "idle:", err)
		return 1
	}
	return 0
}

func measure(ctx context.Context, agents int, brokerKind string, settle time.Duration, fdLimit uint64, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var spec fleet.ControllerSpec
	password := ""
	opts := fleet.IdleOptions{Agents: agents, Settle: settle}
	switch brokerKind {
	case "embedded":
	case "mosquitto":
		mq, files, err := fleet.StartMosquittoWithLogins(ctx)
		if err != nil {
			return err
		}
		defer mq.Stop()
		spec = fleet.ControllerSpec{BrokerURL: mq.URL, BrokerUsername: controllerLogin,
			Mosquitto: controller.MosquittoFiles{PasswordFile: files.PasswordFile, ACLFile: files.ACLFile, PIDFile: files.PIDFile}}
		opts.BrokerRSS = mq.RSS
		password = rand.Text() // for the child only, in its environment; never printed
	default:
		return fmt.Errorf("-broker %q: want mosquitto or embedded", brokerKind)
	}
	ctl, err := fleet.StartController(ctx, []string{self, childArg}, spec, password)
	if err != nil {
		return err
	}
	defer ctl.Stop()
	res, err := fleet.Idle(ctx, fleet.Target{APIURL: ctl.API, BrokerURL: ctl.Broker, Token: ctl.Token, RSS: ctl.RSS}, opts)
	out := struct {
		Broker  string `json:"broker"`
		FDLimit uint64 `json:"fd_limit"`
		fleet.IdleResult
	}{brokerKind, fdLimit, res}
	b, _ := json.Marshal(out)
	fmt.Fprintln(stdout, string(b))
	return err
}
