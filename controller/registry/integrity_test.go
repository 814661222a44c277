package registry

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fillRegistry stores n devices, so that the file spans many pages.
func fillRegistry(t *testing.T, s *Store, n int) {
	t.Helper()
	batch := make([]Update, 0, n)
	for i := range n {
		batch = append(batch, stateUpd(fmt.Sprintf("dev%04d", i), 1, at(i), report(at(i))))
	}
	applyOK(t, s, batch...)
}

// TestOpenRefusesDamagedRegistry: garbage written over middle pages of a
// copied registry is caught at Open, with one line naming the file and the
// way back (issue 8, finding 7).
func TestOpenRefusesDamagedRegistry(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	s, err := Open(ctx, path, Options{})
	require.NoError(t, err)
	fillRegistry(t, s, 400)
	require.NoError(t, s.Close())

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Greater(t, len(b), 64*1024, "the registry must span many pages for the test to mean anything")
	damaged := filepath.Join(t.TempDir(), "copy.db")
	mid := len(b) / 2 / 4096 * 4096
	for i := mid; i < mid+4096; i++ {
		b[i] = byte(i*7 + 3)
	}
	require.NoError(t, os.WriteFile(damaged, b, 0o600))

	_, err = Open(ctx, damaged, Options{})
	require.ErrorIs(t, err, ErrDamaged)
	msg := err.Error()
	assert.NotContains(t, msg, "\n", "one line")
	assert.Contains(t, msg, damaged)
	assert.Contains(t, msg, "unbind backup")

	s, err = Open(ctx, path, Options{})
	require.NoError(t, err, "the intact original still opens")
	require.NoError(t, s.Close())
}

// TestBackupWhileOpen: a copy made while the store is open and written to
// opens as a registry and holds the devices.
func TestBackupWhileOpen(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	fillRegistry(t, s, 50)
	dest := filepath.Join(t.TempDir(), "backup.db")
	require.NoError(t, s.Backup(ctx, dest))
	fi, err := os.Stat(dest)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	err = s.Backup(ctx, dest)
	assert.ErrorIs(t, err, os.ErrExist, "an existing file is never overwritten")

	applyOK(t, s, stateUpd("after", 1, at(99), report(at(99))))
	c, err := Open(ctx, dest, Options{})
	require.NoError(t, err)
	defer c.Close()
	sum, err := c.Summary(ctx)
	require.NoError(t, err)
	assert.Equal(t, 50, sum.Total)
	_, err = c.Device(ctx, "dev0049")
	assert.NoError(t, err)
	_, err = c.Device(ctx, "after")
	assert.ErrorIs(t, err, ErrNotFound, "the copy is the snapshot at backup time")
	assert.False(t, strings.HasSuffix(dest, "-wal"))
}
