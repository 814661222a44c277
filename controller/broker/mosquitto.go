package broker

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/unbind/unbind/protocol"
)

// A Mosquitto 2.0 password_file line is "username:$6$SALT$HASH" or
// "username:$7$ITER$SALT$HASH", SALT and HASH in standard base64. "$7$"
// (what mosquitto_passwd writes) is PBKDF2-HMAC-SHA512 with 101 rounds;
// "$6$" is one SHA-512 of the password followed by the salt. Unbind writes
// "$6$": Mosquitto checks the password of every connected client again at
// each reload, and with 10,000 phones connected a reload took 3.3 s in
// "$7$" against 0.2 s in "$6$" (bench/mosquitto.md), the broker serving
// nobody meanwhile. Stretching guards weak passwords against guessing;
// these are 256 random bits, which no number of rounds makes safer.
const mosquittoSaltLen = 12

// maxMosquittoUsername keeps a password_file line well under the 256 bytes
// Mosquitto's reader takes in one go.
const maxMosquittoUsername = 128

// ErrMosquittoUsername: a login's username cannot be written into
// Mosquitto's files (it holds ':', which ends the name in a password_file
// line, or a control character, or is too long).
var ErrMosquittoUsername = errors.New("username cannot be used with Mosquitto")

// MosquittoHash hashes password into the "$6$" form Mosquitto's
// password_file keeps, with a fresh random salt.
func MosquittoHash(password string) (string, error) {
	salt := make([]byte, mosquittoSaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (Go 1.24+)
	return mosquittoHashWithSalt(password, salt), nil
}

func mosquittoHashWithSalt(password string, salt []byte) string {
	h := sha512.New()
	h.Write([]byte(password))
	h.Write(salt)
	return "$6$" + base64.StdEncoding.EncodeToString(salt) + "$" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// CheckMosquittoUsername says whether username can stand in Mosquitto's
// password_file and acl_file.
func CheckMosquittoUsername(username string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q %s", ErrMosquittoUsername, username, why) }
	switch {
	case username == "" || len(username) > maxMosquittoUsername:
		return bad(fmt.Sprintf("is empty or longer than %d bytes", maxMosquittoUsername))
	case !utf8.ValidString(username):
		return bad("is not UTF-8")
	case strings.ContainsRune(username, ':'):
		return bad("holds ':', which ends the name in a password_file line")
	case username[0] == '#' || username[0] == ' ' || username[len(username)-1] == ' ':
		return bad("starts with '#' or a space, or ends with a space")
	}
	for _, r := range username {
		if r < 0x20 || r == 0x7f {
			return bad("holds a control character")
		}
	}
	return nil
}

// MosquittoLogin is one line of Mosquitto's password_file.
type MosquittoLogin struct {
	Username string
	// Hash is MosquittoHash of the password.
	Hash string
}

// MosquittoPasswordFile is the text of a password_file holding logins.
// A username that Mosquitto cannot read back, a duplicate, or a hash not
// in the "$6$" form is an error: a half-right file would let in or lock out
// the wrong login.
func MosquittoPasswordFile(logins []MosquittoLogin) ([]byte, error) {
	var b strings.Builder
	seen := make(map[string]bool, len(logins))
	for _, l := range logins {
		if err := CheckMosquittoUsername(l.Username); err != nil {
			return nil, err
		}
		if seen[l.Username] {
			return nil, fmt.Errorf("mosquitto password file: username %q twice", l.Username)
		}
		seen[l.Username] = true
		if !strings.HasPrefix(l.Hash, "$6$") || strings.ContainsAny(l.Hash, ":\n\r") {
			return nil, fmt.Errorf("mosquitto password file: the hash of %q is not a Mosquitto \"$6$\" hash", l.Username)
		}
		b.WriteString(l.Username)
		b.WriteByte(':')
		b.WriteString(l.Hash)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// usernamePattern is the ACL pattern of a device topic: Mosquitto puts the
// login's username where "%u" stands, and a device's username is its ID.
func usernamePattern(ch protocol.Channel) string {
	// protocol has no builder for a pattern: take the all-devices filter and
	// put "%u" in place of its single-level wildcard.
	return strings.Replace(protocol.AllDevices(ch), "/+/", "/%u/", 1)
}

// MosquittoACL is Mosquitto's acl_file for accessRules. Devices are covered
// by "pattern" rules on their username, so the file does not grow with the
// fleet; Mosquitto refuses pattern rules to usernames holding '/', '+' or
// '#', which device IDs never do. The controller and each monitor get
// "user" blocks by name (monitor usernames hold '/').
func MosquittoACL(controllerUsername string, monitorUsernames []string) (string, error) {
	// Devices' rules are patterns on their own username, everyone else's
	// name topics of every device: a rule outside that cannot be written.
	for _, rule := range accessRules {
		if (rule.role == roleDevice) != (rule.scope == ownDevice) {
			return "", fmt.Errorf("mosquitto acl: the rule %+v has no form in Mosquitto's acl_file", rule)
		}
	}
	var b strings.Builder
	b.WriteString("# Written by unbind from the registry; edits are overwritten.\n")
	for _, rule := range accessRules {
		if rule.role == roleDevice {
			fmt.Fprintf(&b, "pattern %s %s\n", aclAccess(rule.write), usernamePattern(rule.channel))
		}
	}
	block := func(username string, r role) error {
		if err := CheckMosquittoUsername(username); err != nil {
			return err
		}
		fmt.Fprintf(&b, "\nuser %s\n", username)
		for _, rule := range accessRules {
			if rule.role == r {
				fmt.Fprintf(&b, "topic %s %s\n", aclAccess(rule.write), protocol.AllDevices(rule.channel))
			}
		}
		return nil
	}
	if err := block(controllerUsername, roleController); err != nil {
		return "", fmt.Errorf("mosquitto acl: controller login: %w", err)
	}
	for _, u := range monitorUsernames {
		if err := block(u, roleMonitor); err != nil {
			return "", fmt.Errorf("mosquitto acl: monitor login: %w", err)
		}
	}
	return b.String(), nil
}

func aclAccess(write bool) string {
	if write {
		return "write"
	}
	return "read"
}

// ReloadMosquitto makes the Mosquitto whose pid_file is pidFile read its
// password_file and acl_file again (SIGHUP). Mosquitto 2 then disconnects
// every client whose login is no longer in the password file, and checks
// each later publish and delivery against the new ACL.
func ReloadMosquitto(pidFile string) error {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return fmt.Errorf("reload mosquitto: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return fmt.Errorf("reload mosquitto: pid file %s holds %q, not a process ID", pidFile, strings.TrimSpace(string(data)))
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return fmt.Errorf("reload mosquitto (pid %d from %s): %w", pid, pidFile, err)
	}
	if err := p.Signal(syscall.SIGHUP); err != nil {
		return fmt.Errorf("reload mosquitto (pid %d from %s): %w", pid, pidFile, err)
	}
	return nil
}
