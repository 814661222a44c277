package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/label/labeltest"
	"github.com/unbind/unbind/controller/lotreport"
	"github.com/unbind/unbind/internal/cli"
)

// consoleGet signs in to the console with token (as a browser does: the
// login form, its CSRF token, the session cookie) and GETs path.
func consoleGet(t *testing.T, base, token, path string) *http.Response {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(base + "/login")
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(page)
	require.NotNil(t, m, "the login form's CSRF token")
	resp, err = hc.PostForm(base+"/login", url.Values{"token": {token}, "next": {"/"}, "csrf": {string(m[1])}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "signed in")
	resp, err = hc.Get(base + path)
	require.NoError(t, err)
	return resp
}

// TestLotPackButtonVerifies: the lot page's pack button downloads a zip
// of one folder holding the files `unbind lot report` writes, and
// `unbind cert verify --lot` checks that folder, unzipped, as valid.
func TestLotPackButtonVerifies(t *testing.T) {
	labeltest.Need(t)
	c := startAuthed(t)
	ctx := context.Background()
	released(t, c.Registry(), "P1")
	rec, _, err := c.IssueCertificate(ctx, "P1", "ana", "")
	require.NoError(t, err)
	_, err = c.AddLot(ctx, "L-1", "Acme Refurb", "PO-4711", "operator:ana", "")
	require.NoError(t, err)
	_, err = c.JoinLot(ctx, "L-1", []string{"P1"}, "operator:bo", "")
	require.NoError(t, err)
	token := os.Getenv(cli.TokenEnv)
	require.NotEmpty(t, token)

	resp := consoleGet(t, c.APIURL(), token, "/lots/L-1")
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Contains(t, string(page), `id="lot-pack" href="/lots/L-1/pack.zip"`)

	resp = consoleGet(t, c.APIURL(), token, "/lots/L-1/pack.zip")
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
	assert.Contains(t, resp.Header.Get("Content-Disposition"), `filename="lot-L-1-pack.zip"`)

	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	require.NoError(t, err)
	unzipped := t.TempDir()
	var names []string
	for _, f := range zr.File {
		require.True(t, strings.HasPrefix(f.Name, "lot-L-1/"), "every entry is in the pack's folder: %s", f.Name)
		dst := filepath.Join(unzipped, filepath.FromSlash(f.Name))
		if strings.HasSuffix(f.Name, "/") {
			require.NoError(t, os.MkdirAll(dst, 0o755))
			continue
		}
		names = append(names, strings.TrimPrefix(f.Name, "lot-L-1/"))
		r, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst, data, 0o644))
	}

	// The same files as the CLI's pack.
	dir := filepath.Join(t.TempDir(), "pack")
	io1, _, _ := testStreams()
	require.NoError(t, lotReportRun(ctx, io1, &lotOptions{API: c.APIURL(), Output: "table", ID: "L-1", Dir: dir}))
	var cliNames []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			cliNames = append(cliNames, filepath.ToSlash(rel))
		}
		return err
	}))
	slices.Sort(names)
	slices.Sort(cliNames)
	assert.Equal(t, cliNames, names)
	assert.Contains(t, names, lotreport.ReportFile)
	assert.Contains(t, names, "certificates/"+rec.ID+".json")
	fromZip, err := os.ReadFile(filepath.Join(unzipped, "lot-L-1", "certificates", rec.ID+".json"))
	require.NoError(t, err)
	fromCLI, err := os.ReadFile(filepath.Join(dir, "certificates", rec.ID+".json"))
	require.NoError(t, err)
	assert.Equal(t, fromCLI, fromZip, "the certificate byte for byte as issued")
	report, err := os.ReadFile(filepath.Join(unzipped, "lot-L-1", lotreport.ReportFile))
	require.NoError(t, err)
	assert.Contains(t, labeltest.Text(t, report), "Acme Refurb")

	pubPath := filepath.Join(t.TempDir(), "controller.pub")
	io2, out, _ := testStreams()
	require.NoError(t, keyRun(ctx, io2, &keyOptions{API: c.APIURL()}))
	require.NoError(t, os.WriteFile(pubPath, out.Bytes(), 0o644))
	io3, out, _ := testStreams()
	packDir := filepath.Join(unzipped, "lot-L-1")
	require.NoError(t, certVerifyLotRun(ctx, io3, &certVerifyOptions{Lot: packDir, Key: pubPath}), out.String())
	assert.Contains(t, out.String(), "VALID "+packDir+": lot L-1 (Acme Refurb), 1 phones, 1 certificates")
}
