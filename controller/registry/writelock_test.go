package registry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWritesTakeTheWriteLock: every write transaction begins through
// beginWrite. One begun on the write pool directly would, on PostgreSQL,
// skip the lock that keeps controllers sharing a registry from
// interleaving their compare-and-sets and audit chain (see doc.go), and
// nothing else would notice.
func TestWritesTakeTheWriteLock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "s.w.BeginTx(", "%s: begin write transactions with s.beginWrite", f)
	}
}
