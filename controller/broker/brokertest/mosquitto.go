package brokertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds how long Mosquitto may take to accept connections.
	startTimeout = 15 * time.Second
	// stopTimeout bounds how long Mosquitto may take to exit after SIGTERM
	// before it is killed.
	stopTimeout = 5 * time.Second
	// portAttempts is how often a start is retried when another process took
	// the free port between our probe and Mosquitto's bind.
	portAttempts = 3
	logTailLines = 60
)

var errPortTaken = errors.New("port taken")

// StartMosquitto starts Mosquitto on 127.0.0.1 at a free port, with anonymous
// access and no persistence, and stops it when the test ends. It returns the
// broker URL, e.g. "tcp://127.0.0.1:40123". The test fails if Mosquitto is not
// installed: a broker test that silently skips proves nothing.
func StartMosquitto(t testing.TB) (url string) {
	t.Helper()
	return StartMosquittoWith(t, MosquittoOptions{}).URL
}

// MosquittoOptions configures a test Mosquitto. The zero value is an
// anonymous broker.
type MosquittoOptions struct {
	// Logins, when set, makes Mosquitto admit only the logins of a
	// password_file and apply an acl_file, both in this directory (created
	// empty if absent, to be written by the controller), bind each client
	// ID to its username (use_username_as_clientid) and write its pid to
	// a pid_file there: the deployment docs/deploy describes.
	Logins string
}

// Mosquitto is a running test Mosquitto.
type Mosquitto struct {
	URL string
	// PasswordFile, ACLFile and PIDFile are set with MosquittoOptions.Logins.
	PasswordFile, ACLFile, PIDFile string
}

// StartMosquittoWith is StartMosquitto configured by opts.
func StartMosquittoWith(t testing.TB, opts MosquittoOptions) *Mosquitto {
	t.Helper()
	bin := findProgram("mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")
	if bin == "" {
		t.Fatalf("mosquitto not found in PATH, /usr/sbin or /usr/local/sbin; install it: apt-get install mosquitto")
	}
	dir := t.TempDir()
	var files *loginFiles
	if opts.Logins != "" {
		files = &loginFiles{
			passwords: filepath.Join(opts.Logins, "mosquitto.passwd"),
			acl:       filepath.Join(opts.Logins, "mosquitto.acl"),
			pid:       filepath.Join(opts.Logins, "mosquitto.pid"),
		}
		for _, p := range []string{files.passwords, files.acl} {
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o600)
			if err != nil {
				t.Fatalf("create %s: %v", p, err)
			}
			_ = f.Close()
		}
	}
	var err error
	for attempt := range portAttempts {
		var m *mosquitto
		m, err = startMosquitto(bin, dir, attempt, files)
		if err == nil {
			t.Cleanup(func() {
				if exitErr := m.stop(); exitErr != nil {
					t.Errorf("%v\n%s", exitErr, m.logTail())
				} else if t.Failed() {
					t.Logf("mosquitto's log:\n%s", m.logTail())
				}
			})
			out := &Mosquitto{URL: "tcp://" + m.addr}
			if files != nil {
				out.PasswordFile, out.ACLFile, out.PIDFile = files.passwords, files.acl, files.pid
			}
			return out
		}
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	t.Fatalf("start mosquitto: %v", err)
	return nil
}

// loginFiles are the files of a Mosquitto that takes its logins from the
// controller.
type loginFiles struct{ passwords, acl, pid string }

// findProgram looks in PATH, then at the given paths (sbin is often not in
// PATH for non-root users).
func findProgram(name string, paths ...string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

type mosquitto struct {
	addr    string
	logPath string
	errPath string
	cancel  context.CancelFunc
	exited  chan struct{}
	waitErr error // set before exited is closed
}

func startMosquitto(bin, dir string, attempt int, files *loginFiles) (*mosquitto, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &mosquitto{
		addr:    net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		logPath: filepath.Join(dir, fmt.Sprintf("mosquitto-%d.log", attempt)),
		errPath: filepath.Join(dir, fmt.Sprintf("mosquitto-%d.stderr", attempt)),
		exited:  make(chan struct{}),
	}
	confPath := filepath.Join(dir, fmt.Sprintf("mosquitto-%d.conf", attempt))
	if err := os.WriteFile(confPath, []byte(mosquittoConfig(port, m.logPath, files)), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", confPath, err)
	}
	stderr, err := os.Create(m.errPath)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", m.errPath, err)
	}
	defer stderr.Close() // the child has its own copy

	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	cmd := exec.CommandContext(ctx, bin, "-c", confPath)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopTimeout
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	go func() {
		m.waitErr = cmd.Wait()
		close(m.exited)
	}()

	if err := m.waitReady(); err != nil {
		_ = m.stop()
		if strings.Contains(m.logTail(), "Address already in use") {
			err = fmt.Errorf("%w: %w", errPortTaken, err)
		}
		return nil, fmt.Errorf("%w\n%s", err, m.logTail())
	}
	return m, nil
}

func mosquittoConfig(port int, logPath string, files *loginFiles) string {
	var b strings.Builder
	fmt.Fprintf(&b, "listener %d 127.0.0.1\n", port)
	b.WriteString("persistence false\nset_tcp_nodelay true\n")
	if files == nil {
		b.WriteString("allow_anonymous true\n")
	} else {
		fmt.Fprintf(&b, "allow_anonymous false\nuse_username_as_clientid true\npassword_file %s\nacl_file %s\npid_file %s\n",
			files.passwords, files.acl, files.pid)
	}
	fmt.Fprintf(&b, "log_dest file %s\nlog_type all\n", logPath)
	if os.Geteuid() == 0 {
		// As root Mosquitto would switch to user "mosquitto", which cannot
		// write the log in the test's private temporary directory.
		b.WriteString("user root\n")
	}
	return b.String()
}

// waitReady polls until a TCP connection succeeds, Mosquitto exits, or
// startTimeout passes.
func (m *mosquitto) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := net.DialTimeout("tcp", m.addr, time.Second)
		if err == nil {
			_ = conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mosquitto not accepting connections on %s after %s: %w", m.addr, startTimeout, err)
		}
		select {
		case <-m.exited:
			return fmt.Errorf("mosquitto exited before accepting connections on %s: %v", m.addr, m.waitErr)
		case <-tick.C:
		}
	}
}

// stop terminates Mosquitto and waits for it; the error says if it had
// already exited on its own, which means the test ran without a broker.
func (m *mosquitto) stop() error {
	var err error
	select {
	case <-m.exited:
		err = fmt.Errorf("mosquitto on %s exited during the test: %v", m.addr, m.waitErr)
	default:
	}
	m.cancel()
	<-m.exited
	return err
}

// logTail returns the last lines of Mosquitto's log and its stderr.
func (m *mosquitto) logTail() string {
	var b strings.Builder
	for _, p := range []string{m.logPath, m.errPath} {
		data, err := os.ReadFile(p)
		if err != nil || len(data) == 0 {
			continue
		}
		lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
		if len(lines) > logTailLines {
			lines = lines[len(lines)-logTailLines:]
		}
		fmt.Fprintf(&b, "--- tail of %s:\n%s\n", filepath.Base(p), bytes.Join(lines, []byte("\n")))
	}
	return b.String()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
