package fleet

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
)

// PprofEnv names the environment variable that makes the benchmark's
// controller child serve net/http/pprof on a loopback address
// (UNBIND_BENCH_PPROF=127.0.0.1:6060). Only the benchmark's child has it;
// `unbind serve` never serves pprof.
const PprofEnv = "UNBIND_BENCH_PPROF"

// servePprof serves the profiles on addr, which must be a loopback
// address, until the process ends.
func servePprof(addr string, stderr io.Writer) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s=%q: %w", PprofEnv, addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s=%q: only a loopback address is allowed", PprofEnv, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("pprof on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	fmt.Fprintf(stderr, "pprof on http://%s/debug/pprof/\n", ln.Addr())
	go func() { _ = http.Serve(ln, mux) }() // lives as long as the child process
	return nil
}
