package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/unbind/unbind/bench/fleet"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/registry"
)

// childArg makes the binary run the controller under test instead.
const childArg = "__controller"

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == childArg {
		return runController(args[1:], stdout, stderr)
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

	ctl, err := startController(ctx, *maxClients)
	if err != nil {
		fmt.Fprintln(stderr, "unbind-bench:", err)
		return 1
	}
	defer ctl.stop()
	opts := fleet.Options{Agents: *agents, Reports: *reports, Release: !*noRelease}
	if !*noRef {
		m, err := startMosquitto(ctx)
		switch {
		case err != nil:
			fmt.Fprintln(stderr, "unbind-bench: no Mosquitto reference:", err)
		default:
			defer m.stop()
			opts.ReferenceURL = m.url
		}
	}
	if isTerminal(stderr) {
		opts.Progress = progressBar(stderr)
	}
	res, err := fleet.Run(ctx, fleet.Target{APIURL: ctl.api, BrokerURL: ctl.broker, Token: ctl.token, RSS: ctl.rss}, opts)
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

// runController is the child: a controller on its embedded broker, on free
// loopback ports, with a registry in a temporary directory. It prints its
// URLs as one JSON line and runs until stdin closes.
func runController(args []string, stdout, stderr io.Writer) int {
	maxClients := 0
	if len(args) > 0 {
		maxClients, _ = strconv.Atoi(args[0])
	}
	dir, err := os.MkdirTemp("", "unbind-bench-")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := controller.Start(context.Background(), controller.Config{
		DBPath: filepath.Join(dir, "registry.db"), MQTTListen: "127.0.0.1:0", HTTPListen: "127.0.0.1:0",
		MaxClients: maxClients, Logger: log,
		API: func(c *controller.Controller) http.Handler { return httpapi.New(c) },
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer c.Close()
	token, err := c.AddOperator(context.Background(), "bench", controller.RoleOperator, false, registry.ActorController, "")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	// The token goes to the parent over the pipe, never to a log.
	b, _ := json.Marshal(map[string]string{"api": c.APIURL(), "broker": c.BrokerURL(), "token": token})
	fmt.Fprintln(stdout, string(b))
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

type child struct {
	cmd         *exec.Cmd
	stdin       io.Closer
	api, broker string
	token       string
	url         string
	once        sync.Once
}

func (c *child) stop() {
	c.once.Do(func() {
		if c.stdin != nil {
			c.stdin.Close()
		} else {
			_ = c.cmd.Process.Signal(syscall.SIGTERM)
		}
		done := make(chan struct{})
		go func() { _ = c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = c.cmd.Process.Kill()
			<-done
		}
	})
}

// rss is the child's resident set size, from /proc (0 elsewhere).
func (c *child) rss() uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func startController(ctx context.Context, maxClients int) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, childArg, strconv.Itoa(maxClients))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start controller: %w", err)
	}
	c := &child{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(out).ReadBytes('\n')
	var urls struct{ API, Broker, Token string }
	if err == nil {
		err = json.Unmarshal(line, &urls)
	}
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("controller did not start: %w", err)
	}
	c.api, c.broker, c.token = urls.API, urls.Broker, urls.Token
	return c, nil
}

// startMosquitto runs Mosquitto on a free loopback port, anonymous and
// without persistence, as the reference broker.
func startMosquitto(ctx context.Context) (*child, error) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		for _, p := range []string{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("mosquitto is not installed (make deps)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "unbind-bench-mosquitto-")
	if err != nil {
		return nil, err
	}
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n", port)
	if os.Geteuid() == 0 {
		conf += "user root\n"
	}
	path := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "-c", path)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, url: fmt.Sprintf("tcp://127.0.0.1:%d", port)}
	for range 100 {
		if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			conn.Close()
			return c, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.stop()
	return nil, fmt.Errorf("mosquitto did not start on port %d", port)
}
