package deptest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/unbind/unbind"

// goList runs go list -deps on pkg with the production build tags (none) and
// env, printing format for each package.
func goList(t *testing.T, pkg, format string, env ...string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", format, pkg)
	// GOFLAGS could carry -tags sim; the binaries ship without tags.
	cmd.Env = append(append(os.Environ(), "GOFLAGS="), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go list -deps %s: %s", pkg, out)
	return strings.Fields(string(out))
}

// matches reports whether the import path dep is pattern or below it.
func matches(dep, pattern string) bool {
	return dep == pattern || strings.HasPrefix(dep, pattern+"/")
}

// rule names a package a binary must never link and why.
type rule struct {
	pkg, why string
}

// Shipped code carries no simulation and no test code.
var neverShipped = []rule{
	{module + "/android/androidsim", "simulated phones are for the demo and tests (-tags sim), never shipped"},
	{module + "/sim", "the demo and the simulated fleet run only in builds with -tags sim, never shipped"},
	{"testing", "test code does not ship"},
	{"github.com/stretchr/testify", "test code does not ship"},
}

// binaryRules are, per shipped binary as built by make build and make
// android, the packages it must never link.
var binaryRules = []struct {
	binary string
	env    []string
	never  []rule
}{
	{
		binary: "cmd/unbind",
		never: append([]rule{
			{module + "/agent", "the controller never runs an agent; they share only protocol and api"},
			{module + "/android", "the controller never talks to a phone but over MQTT"},
		}, neverShipped...),
	},
	{
		binary: "cmd/unbind-agent",
		env:    []string{"CGO_ENABLED=0", "GOOS=android", "GOARCH=arm64"},
		never: append([]rule{
			{module + "/controller", "the agent talks to the controller only over MQTT and the api client"},
			{"github.com/mochi-mqtt/server/v2", "the broker belongs to the controller; the agent is a client"},
			{"github.com/mattn/go-sqlite3", "cgo: the agent must cross-build for phones with CGO_ENABLED=0"},
		}, neverShipped...),
	},
	{
		binary: "cmd/unbind-agent",
		env:    []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm", "GOARM=7"},
		never: append([]rule{
			{module + "/controller", "the agent talks to the controller only over MQTT and the api client"},
			{"github.com/mochi-mqtt/server/v2", "the broker belongs to the controller; the agent is a client"},
			{"github.com/mattn/go-sqlite3", "cgo: the agent must cross-build for phones with CGO_ENABLED=0"},
		}, neverShipped...),
	},
}

// TestBinaryDeps states, per shipped binary as built by make build and make
// android, the packages it must never link.
func TestBinaryDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, tc := range binaryRules {
		t.Run(tc.binary+" "+strings.Join(tc.env, " "), func(t *testing.T) {
			deps := goList(t, module+"/"+tc.binary, "{{.ImportPath}}", tc.env...)
			require.NotEmpty(t, deps)
			for _, dep := range deps {
				for _, r := range tc.never {
					assert.False(t, matches(dep, r.pkg), "%s links %s: %s", tc.binary, dep, r.why)
				}
			}
		})
	}
}

// TestAgentIsCgoFree: the agent runs on phones, built with CGO_ENABLED=0, so
// no package of ours or of a module it uses may need cgo (the standard
// library's optional cgo parts fall back to pure Go). make android builds it.
func TestAgentIsCgoFree(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, line := range goList(t, module+"/cmd/unbind-agent", "{{if not .Standard}}{{if .CgoFiles}}{{.ImportPath}}{{end}}{{end}}", "CGO_ENABLED=1") {
		assert.Fail(t, "the agent links a cgo package", "%s needs cgo; make android builds with CGO_ENABLED=0", line)
	}
}

// layers are the import rules between our packages, each pkg (a package or,
// with /..., a tree) with what it must never import.
var layers = []struct {
	pkg       string
	forbidden []string
	why       string
}{
	{"protocol", []string{"api", "agent", "controller", "android", "internal", "sim", "cmd"}, "the wire types import nothing of ours"},
	{"api", []string{"agent", "controller", "android", "internal", "sim", "cmd"}, "the API types and client import only protocol"},
	{"agent", []string{"controller", "android", "internal/cli", "sim", "cmd"}, "the agent depends on a Phone, not on Android, and on no CLI plumbing"},
	{"android", []string{"controller", "sim", "cmd"}, "android implements the agent's Phone"},
	{"controller/...", []string{"agent", "android", "sim", "cmd"}, "the controller meets agents only over MQTT"},
	{"internal/...", []string{"agent", "android", "controller", "sim", "cmd"}, "internal holds leaf helpers (CLI plumbing, the MQTT connection, loopback checks) that nothing above them leaks into"},
	{"sim/...", []string{"cmd"}, "the simulator's wiring is a library the demo and tests call"},
}

// TestLayering enforces the architecture between our packages: protocol
// stands alone, api adds only the HTTP surface over it, agent and controller
// never import each other, internal/ holds leaf helpers, sim/ wires the
// simulator over agent and controller, and only cmd/* wires the binaries.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, tc := range layers {
		t.Run(tc.pkg, func(t *testing.T) {
			for _, dep := range goList(t, module+"/"+tc.pkg, "{{.ImportPath}}") {
				for _, f := range tc.forbidden {
					assert.False(t, matches(dep, module+"/"+f), "%s imports %s: %s", tc.pkg, dep, tc.why)
				}
			}
		})
	}
}

// TestRulesNameExistingPackages: every package a rule above names still
// exists, so that a rule cannot pass only because its package moved or
// vanished (rename the rule with the package).
func TestRulesNameExistingPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	named := map[string]bool{}
	for _, b := range binaryRules {
		named[module+"/"+b.binary] = true
		for _, r := range b.never {
			named[r.pkg] = true
		}
	}
	for _, l := range layers {
		named[module+"/"+strings.TrimSuffix(l.pkg, "/...")] = true
		for _, f := range l.forbidden {
			named[module+"/"+f] = true
		}
	}
	for pkg := range named {
		// The package itself, or a tree of packages under it (sim has no
		// code of its own), for any build tags a rule may be about.
		cmd := exec.Command("go", "list", "-e", "-tags", "sim", "-f", "{{if not .Error}}{{.ImportPath}}{{end}}", pkg, pkg+"/...")
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		out, err := cmd.Output()
		require.NoError(t, err, "go list %s", pkg)
		assert.NotEmpty(t, strings.TrimSpace(string(out)), "a dependency rule names %s, which no longer exists: rename or drop the rule", pkg)
	}
}
