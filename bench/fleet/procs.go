package fleet

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/httpapi"
	"github.com/unbind/unbind/controller/registry"
)

// ControllerSpec is the controller a benchmark child runs. The parent
// passes it as JSON on the child's command line; the controller's broker
// password travels apart, in BrokerPasswordEnv, never in argv.
type ControllerSpec struct {
	// Registry is a postgres:// URL; empty: SQLite in a temporary directory.
	Registry string `json:"registry,omitempty"`
	// KeyPath is the signing key, one for a share group (a PostgreSQL
	// registry needs it); empty: beside the SQLite file.
	KeyPath string `json:"key_path,omitempty"`
	// BrokerURL is an external broker; empty: the controller's embedded
	// broker on a free loopback port.
	BrokerURL      string `json:"broker_url,omitempty"`
	BrokerUsername string `json:"broker_username,omitempty"`
	// Mosquitto has this controller write the external Mosquitto's logins
	// and ACL from the registry (one controller of a group does).
	Mosquitto  controller.MosquittoFiles `json:"mosquitto"`
	ShareGroup string                    `json:"share_group,omitempty"`
	Instance   string                    `json:"instance,omitempty"`
	// MaxClients is the embedded broker's cap (0: fits the open-file limit).
	MaxClients int `json:"max_clients,omitempty"`
}

// BrokerPasswordEnv carries a controller child's password at the external
// broker.
const BrokerPasswordEnv = "UNBIND_BENCH_BROKER_PASSWORD"

// ServeController is the child StartController runs: the controller spec
// (JSON) describes, with an HTTP API on a free loopback port. It prints
// its URLs and an admin token as one JSON line on stdout and runs until
// stdin closes; it returns the child's exit status.
func ServeController(specJSON string, stdin io.Reader, stdout, stderr io.Writer) int {
	var spec ControllerSpec
	if specJSON != "" {
		if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
			fmt.Fprintf(stderr, "controller spec %q: %v\n", specJSON, err)
			return 2
		}
	}
	return ServeControllerWith(func(cfg *controller.Config) {
		cfg.MaxClients = spec.MaxClients
		if spec.Registry != "" {
			cfg.DBPath, cfg.KeyPath = spec.Registry, spec.KeyPath
		}
		if spec.BrokerURL != "" {
			cfg.BrokerURL, cfg.Mosquitto = spec.BrokerURL, spec.Mosquitto
			cfg.BrokerUsername, cfg.BrokerPassword = spec.BrokerUsername, os.Getenv(BrokerPasswordEnv)
		}
		cfg.ShareGroup, cfg.Instance = spec.ShareGroup, spec.Instance
	}, stdin, stdout, stderr)
}

// ServeControllerWith is ServeController with configure changing the
// controller's config (an external broker, say). The token it prints is an
// admin's.
func ServeControllerWith(configure func(*controller.Config), stdin io.Reader, stdout, stderr io.Writer) int {
	dir, err := os.MkdirTemp("", "unbind-bench-")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := controller.Config{DBPath: filepath.Join(dir, "registry.db"), MQTTListen: "127.0.0.1:0", Logger: log}
	configure(&cfg)
	c, err := controller.Start(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer c.Close()
	srv, err := httpapi.Serve(c, httpapi.ServeConfig{Listen: "127.0.0.1:0", Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer srv.Close()
	if addr := os.Getenv(PprofEnv); addr != "" {
		if err := servePprof(addr, stderr); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	// Controllers sharing a registry share its operators: each adds its own.
	operator := "bench"
	if cfg.Instance != "" {
		operator += "-" + cfg.Instance
	}
	token, err := c.AddOperator(context.Background(), operator, controller.RoleAdmin, false, registry.ActorController, "")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	// The token goes to the parent over the pipe, never to a log.
	b, _ := json.Marshal(map[string]string{"api": srv.URL(), "broker": c.BrokerURL(), "token": token})
	fmt.Fprintln(stdout, string(b))
	_, _ = io.Copy(io.Discard, stdin)
	return 0
}

// Child is a process the benchmark started: the controller under test
// (API and Broker are its URLs) or the reference broker (URL).
type Child struct {
	API, Broker string
	// Instance is a controller's name in its share group ("" alone).
	Instance string
	// Token is an operator token of the controller under test.
	Token string
	URL   string
	cmd   *exec.Cmd
	stdin io.Closer
	// dir holds the child's files (Mosquitto's configuration and logins),
	// removed once it stopped.
	dir  string
	once sync.Once
}

// Stop ends the child (closing its stdin, or by SIGTERM) and waits for it,
// killing it after 15 s, then removes its files.
func (c *Child) Stop() {
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
		if c.dir != "" {
			_ = os.RemoveAll(c.dir)
		}
	})
}

// RSS is the child's resident set size, from /proc (0 elsewhere).
func (c *Child) RSS() uint64 { return rssOf(c.cmd.Process.Pid) }

// CPU is the CPU time the child has used so far, user and system, in
// seconds, from /proc/PID/stat (0 elsewhere).
func (c *Child) CPU() float64 { return cpuOfPID(c.cmd.Process.Pid) }

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// cpuOfStat reads utime and stime (fields 14 and 15) from a /proc/PID/stat
// line. The command name in field 2 may hold spaces and parentheses, so
// the fields are counted from the last ')'.
func cpuOfStat(b []byte) float64 {
	f := statFields(b)
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return float64(utime+stime) / clockTicks
}

// StartController runs argv (a program that calls ServeController with
// the spec as its last argument) and reads the URLs it prints.
func StartController(ctx context.Context, argv []string, spec ControllerSpec, brokerPassword string) (*Child, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	argv = append(slices.Clone(argv), string(b))
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), BrokerPasswordEnv+"="+brokerPassword)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start controller %s: %w", argv[0], err)
	}
	c := &Child{cmd: cmd, stdin: stdin, Instance: spec.Instance}
	line, err := bufio.NewReader(out).ReadBytes('\n')
	var urls struct{ API, Broker, Token string }
	if err == nil {
		err = json.Unmarshal(line, &urls)
	}
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("controller %q did not start: %w", spec.Instance, err)
	}
	c.API, c.Broker, c.Token = urls.API, urls.Broker, urls.Token
	return c, nil
}

// StartMosquitto runs Mosquitto on a free loopback port, anonymous and
// without persistence, as the reference broker.
func StartMosquitto(ctx context.Context) (*Child, error) { return startMosquitto(ctx, nil) }

// MosquittoLogins are the files of a Mosquitto that admits only the logins
// a controller writes for it (controller.MosquittoFiles), in Dir.
type MosquittoLogins struct {
	Dir, PasswordFile, ACLFile, PIDFile string
}

// StartMosquittoWithLogins runs Mosquitto on a free loopback port, taking
// its logins and ACL from files the controller writes, with client IDs
// bound to usernames: the deployment of docs/deploy/mosquitto.md.
func StartMosquittoWithLogins(ctx context.Context) (*Child, MosquittoLogins, error) {
	var logins MosquittoLogins
	c, err := startMosquitto(ctx, &logins)
	return c, logins, err
}

// MosquittoBinary finds Mosquitto: on the PATH, else where Debian puts it
// (/usr/sbin is not on every user's PATH).
func MosquittoBinary() (string, error) {
	if bin, err := exec.LookPath("mosquitto"); err == nil {
		return bin, nil
	}
	for _, p := range []string{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("mosquitto is not installed (run scripts/install-deps.sh, or make deps)")
}

func startMosquitto(ctx context.Context, logins *MosquittoLogins) (_ *Child, err error) {
	bin, err := MosquittoBinary()
	if err != nil {
		return nil, err
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
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	conf := fmt.Sprintf("listener %d 127.0.0.1\npersistence false\nmax_queued_messages 0\n", port)
	if logins == nil {
		conf += "allow_anonymous true\n"
	} else {
		*logins = MosquittoLogins{Dir: dir, PasswordFile: filepath.Join(dir, "passwd"), ACLFile: filepath.Join(dir, "acl"), PIDFile: filepath.Join(dir, "pid")}
		for _, p := range []string{logins.PasswordFile, logins.ACLFile} {
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				return nil, err
			}
		}
		conf += fmt.Sprintf("allow_anonymous false\nuse_username_as_clientid true\nset_tcp_nodelay true\npassword_file %s\nacl_file %s\npid_file %s\n",
			logins.PasswordFile, logins.ACLFile, logins.PIDFile)
	}
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
	c := &Child{cmd: cmd, URL: fmt.Sprintf("tcp://127.0.0.1:%d", port), dir: dir}
	for range 100 {
		if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			conn.Close()
			return c, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Stop()
	return nil, fmt.Errorf("mosquitto did not start on port %d", port)
}
