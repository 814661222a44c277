//go:build unix

package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// runAs is the account initdb and postgres run under: the current one, or
// the "postgres" system user when the tests run as root (the server refuses
// root).
type runAs struct {
	cred *syscall.Credential // nil: the current user
}

func serverUser() (runAs, error) {
	if os.Geteuid() != 0 {
		return runAs{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return runAs{}, fmt.Errorf("tests run as root and PostgreSQL refuses root, but there is no postgres user to run it as (scripts/install-deps.sh installs Debian's postgresql, which creates it): %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return runAs{}, fmt.Errorf("postgres user has ids %q/%q, not numbers", u.Uid, u.Gid)
	}
	return runAs{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
}

// own hands the directories to the server's account.
func (r runAs) own(dirs ...string) error {
	if r.cred == nil {
		return nil
	}
	for _, d := range dirs {
		if err := os.Chown(d, int(r.cred.Uid), int(r.cred.Gid)); err != nil {
			return fmt.Errorf("hand %s to the postgres user: %w", d, err)
		}
	}
	return nil
}

// apply makes cmd run under the server's account, and be stopped if the
// test binary dies without stopping it (no server left behind).
func (r runAs) apply(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred, Pdeathsig: syscall.SIGINT}
}
