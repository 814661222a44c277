package deptest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// agentSizeBudget is the most the phone agent for android/arm64 may weigh,
// stripped as make android builds it. It is copied to every phone, often
// over slow USB hubs; at da34001 it was 8,323,368 bytes.
const agentSizeBudget = 9 << 20

// TestAgentSize builds the phone agent as make android does (the Makefile's
// -trimpath and LDFLAGS, CGO_ENABLED=0 GOOS=android GOARCH=arm64) and fails
// when it outgrows agentSizeBudget: a new dependency pulled in something
// heavy (text/template through cobra's templates grew it by 2 MB once).
func TestAgentSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the agent")
	}
	makefile, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	require.NoError(t, err)
	build := regexp.MustCompile(`(?m)^\s*CGO_ENABLED=0 GOOS=android GOARCH=arm64 \$\(GO\) build (.*) -o `).FindSubmatch(makefile)
	require.NotNil(t, build, "the Makefile's android/arm64 build line")
	require.Equal(t, "-trimpath -ldflags '$(LDFLAGS)'", string(build[1]), "the flags this test builds with")
	ldflags := regexp.MustCompile(`(?m)^LDFLAGS\s*:=\s*(.*)$`).FindSubmatch(makefile)
	require.NotNil(t, ldflags, "LDFLAGS in the Makefile")
	flags := strings.ReplaceAll(strings.TrimSpace(string(ldflags[1])), "$(VERSION)", "v0.0.0-size-check")

	bin := filepath.Join(t.TempDir(), "unbind-agent")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", flags, "-o", bin, module+"/cmd/unbind-agent")
	cmd.Env = append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0", "GOOS=android", "GOARCH=arm64")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	st, err := os.Stat(bin)
	require.NoError(t, err)
	t.Logf("unbind-agent android/arm64: %d bytes (budget %d)", st.Size(), agentSizeBudget)
	if st.Size() > agentSizeBudget {
		t.Errorf("the android/arm64 agent is %d bytes, over its budget of %d (%.1f MiB). "+
			"Find what grew: build it without -s -w (make android LDFLAGS=) and run "+
			"`go tool nm -size -sort size dist/unbind-agent-android-arm64 | head -40`, "+
			"and `go list -deps ./cmd/unbind-agent` for new packages; "+
			"raise agentSizeBudget only for a reason worth the bytes on every phone.",
			st.Size(), agentSizeBudget, float64(agentSizeBudget)/(1<<20))
	}
}
