package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// remoteDir is the one phone directory the shell user may write and execute
// from; pushed files live there.
const remoteDir = "/data/local/tmp/"

const shPath = "/system/bin/sh"

// local maps a phone path to the host file holding it, or "" when the fake
// keeps no files or the path is outside remoteDir.
func (f *fake) local(e entry, remote string) string {
	root := f.env(envRoot)
	remote = path.Clean(remote)
	if root == "" || !strings.HasPrefix(remote+"/", remoteDir) {
		return ""
	}
	return filepath.Join(root, e.Serial, filepath.FromSlash(remote))
}

// push copies LOCAL to the phone as adb does: the file keeps its mode, and
// a REMOTE ending in / is a directory.
func (f *fake) push(e entry, args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(f.stderr, "adb: push requires LOCAL REMOTE in fakephone")
		return 1
	}
	src, remote := args[0], args[1]
	info, err := os.Stat(src)
	if err != nil || !info.Mode().IsRegular() {
		fmt.Fprintf(f.stderr, "adb: error: cannot stat '%s': No such file or directory\n", src)
		return 1
	}
	if strings.HasSuffix(remote, "/") {
		remote += filepath.Base(src)
	}
	if f.env(envRoot) != "" {
		dst := f.local(e, remote)
		if dst == "" {
			fmt.Fprintf(f.stderr, "adb: error: failed to copy '%s' to '%s': remote Permission denied\n", src, remote)
			return 1
		}
		if err := copyFile(dst, src, info.Mode().Perm()); err != nil {
			fmt.Fprintln(f.stderr, "fakephone:", err)
			return 1
		}
	}
	fmt.Fprintf(f.stdout, "%s: 1 file pushed, 0 skipped. 38.1 MB/s (%d bytes in 0.100s)\n", src, info.Size())
	return 0
}

func copyFile(dst, src string, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	os.Remove(dst) // adbd unlinks before writing, so a running program is no obstacle
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm) // the umask must not narrow the mode adb sent
}

// chmod is toybox chmod with an octal mode.
func (f *fake) chmod(e entry, args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(f.stderr, "chmod: Need 2 arguments (see \"chmod --help\")")
		return 1
	}
	mode, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil || mode > 0o7777 {
		fmt.Fprintf(f.stderr, "chmod: bad mode '%s'\n", args[0])
		return 1
	}
	code := 0
	for _, remote := range args[1:] {
		p := f.local(e, remote)
		if p == "" || os.Chmod(p, fs.FileMode(mode)) != nil {
			fmt.Fprintf(f.stderr, "chmod: %s: No such file or directory\n", remote)
			code = 1
		}
	}
	return code
}

// runPushed runs a pushed program on this host, as the phone would run it.
func (f *fake) runPushed(ctx context.Context, e entry, words []string) int {
	p := f.local(e, words[0])
	info, err := os.Stat(p)
	switch {
	case p == "" || err != nil:
		fmt.Fprintf(f.stderr, "%s: %s: inaccessible or not found\n", shPath, words[0])
		return 127
	case info.Mode().Perm()&0o100 == 0:
		fmt.Fprintf(f.stderr, "%s: %s: can't execute: Permission denied\n", shPath, words[0])
		return 126
	}
	cmd := exec.CommandContext(ctx, p, words[1:]...)
	cmd.Stdout, cmd.Stderr = f.stdout, f.stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	}
	fmt.Fprintf(f.stderr, "%s: %s: %v\n", shPath, words[0], err)
	return 126
}
