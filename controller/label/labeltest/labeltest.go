// Package labeltest reads PDFs back the way a person or a scanner would:
// their text through Debian's pdftotext, and their QR codes through
// pdftoppm and zbarimg (scripts/install-deps.sh installs both).
package labeltest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/pdffont"
)

// Need skips t when the tools are missing.
func Need(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/install-deps.sh installs poppler-utils and zbar-tools)", tool)
		}
	}
	if missing := pdffont.Missing(); len(missing) > 0 {
		t.Skipf("the fonts labels are set in are missing: %v (scripts/install-deps.sh installs them)", missing)
	}
}

// Text is the PDF's text as pdftotext extracts it, pages in order; it
// fails t when the file is not a valid PDF.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	path := write(t, pdf)
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	require.NoError(t, err, "pdftotext: %s", out)
	return string(out)
}

// QRCodes are the texts of the QR codes on the PDF's first pages (at most
// pages), sorted, as zbarimg decodes them from a 300 dpi rendering.
func QRCodes(t testing.TB, pdf []byte, pages int) []string {
	t.Helper()
	path := write(t, pdf)
	dir := filepath.Dir(path)
	out, err := exec.Command("pdftoppm", "-r", "300", "-l", itoa(pages), "-png", path, filepath.Join(dir, "page")).CombinedOutput()
	require.NoError(t, err, "pdftoppm: %s", out)
	pngs, err := filepath.Glob(filepath.Join(dir, "page*.png"))
	require.NoError(t, err)
	require.NotEmpty(t, pngs)
	args := append([]string{"--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"}, pngs...)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("zbarimg", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "zbarimg: %s", stderr.String())
	var codes []string
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if line != "" {
			codes = append(codes, line)
		}
	}
	sort.Strings(codes)
	return codes
}

func write(t testing.TB, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o644))
	return path
}

func itoa(n int) string { return strconv.Itoa(n) }
