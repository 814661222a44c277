package android

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/unbind/unbind/agent"
)

// AccountDump is the account list of every user block found in
// `dumpsys account` or `dumpsys account --checkin`.
type AccountDump struct {
	Users []UserAccounts `json:"users"`
	// Authenticators maps account types to the package that provides them,
	// from the full dump's RegisteredServicesCache sections; the checkin
	// form has none.
	Authenticators map[string]string `json:"authenticators,omitempty"`
}

// UserAccounts is one user block. Err is nil only when the block was read to
// its end and agreed with itself; otherwise Accounts holds what was read
// before the problem and must not be taken as the user's full list. A block
// whose header could not be read has User.ID -1.
type UserAccounts struct {
	User     UserInfo           `json:"user"`
	Accounts []agent.RawAccount `json:"accounts"`
	Err      error              `json:"-"`
}

const userHeaderPrefix = "User UserInfo{"

// ParseAccountDump parses the full `dumpsys account`. Per user block it reads
//
//	User UserInfo{0:Owner:13}:
//	  Accounts: 2
//	    Account {name=someone@example.com, type=com.google}
//	    Account {name=2807000558, type=com.xiaomi}
//	<blank line>
//
// and ignores the rest of the block (history, sessions, visibility, services),
// which also contains "Account {" text. The returned error is set only when
// no user block could be read at all; a block that is cut short, disagrees
// with its announced count or has an odd line carries its own Err.
func ParseAccountDump(out []byte) (AccountDump, error) {
	if err := dumpFailure(out); err != nil {
		return AccountDump{}, err
	}
	ls, _ := lines(out)
	var dump AccountDump
	for i := 0; i < len(ls); i++ {
		if !strings.HasPrefix(ls[i], userHeaderPrefix) {
			continue
		}
		u, next := parseAccountBlock(ls, i)
		dump.Users = append(dump.Users, u)
		i = next - 1
	}
	if len(dump.Users) == 0 {
		return AccountDump{}, noUserBlock(out)
	}
	dump.Authenticators = parseAuthenticators(ls)
	return dump, nil
}

const authenticatorPrefix = "ServiceInfo: AuthenticatorDescription {type="

// parseAuthenticators reads every line of the form
//
//	ServiceInfo: AuthenticatorDescription {type=com.google}, ComponentInfo{com.google.android.gms/…}, uid 10140
//
// A line that does not have that exact shape is skipped: a type it would
// have named stays unknown, which never reads as harmless.
func parseAuthenticators(ls []string) map[string]string {
	auth := map[string]string{}
	for _, l := range ls {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), authenticatorPrefix)
		if !ok {
			continue
		}
		typ, rest, ok := strings.Cut(rest, "}, ComponentInfo{")
		if !ok || !validAccountType(typ) {
			continue
		}
		pkg, _, ok := strings.Cut(rest, "/")
		if !ok || !validAccountType(pkg) {
			continue
		}
		auth[typ] = pkg
	}
	if len(auth) == 0 {
		return nil
	}
	return auth
}

// parseAccountBlock reads the user block whose header is ls[at] and returns
// it with the index of the line after the block.
func parseAccountBlock(ls []string, at int) (UserAccounts, int) {
	u := UserAccounts{Accounts: []agent.RawAccount{}}
	end := at + 1
	for end < len(ls) && !strings.HasPrefix(ls[end], userHeaderPrefix) {
		end++
	}
	// Only the last block can have been cut; earlier ones were followed by
	// another header.
	last := end == len(ls)
	info, ok := parseUserHeader(ls[at])
	if !ok {
		// ID -1: no user can be blamed, and user 0 must not be.
		u.User.ID = -1
		u.Err = fmt.Errorf("user header on line %d: %w", at+1, truncatedOr(at == len(ls)-1, ErrUnrecognized))
		return u, end
	}
	u.User = info
	block := ls[at+1 : end]
	for _, l := range block {
		if strings.Contains(l, "services not loaded") {
			u.Err = fmt.Errorf("user %d: %w", info.ID, ErrNotLoaded)
			return u, end
		}
	}
	i := 0
	for i < len(block) && strings.TrimSpace(block[i]) == "" {
		i++
	}
	if i == len(block) {
		u.Err = fmt.Errorf("user %d: no account count: %w", info.ID, truncatedOr(last, ErrUnrecognized))
		return u, end
	}
	countText, ok := strings.CutPrefix(strings.TrimSpace(block[i]), "Accounts:")
	want, err := strconv.Atoi(strings.TrimSpace(countText))
	if !ok || err != nil || want < 0 {
		u.Err = fmt.Errorf("user %d: account count line: %w", info.ID, truncatedOr(last && i == len(block)-1, ErrUnrecognized))
		return u, end
	}
	i++
	terminated := false
	for ; i < len(block); i++ {
		t := strings.TrimSpace(block[i])
		if t == "" {
			terminated = true
			break
		}
		acc, ok := parseAccountLine(t)
		if !ok {
			// An odd final line of the output is a line that was cut.
			u.Err = fmt.Errorf("user %d: account line %d: %w", info.ID, at+i+2, truncatedOr(last && i == len(block)-1, ErrUnrecognized))
			return u, end
		}
		u.Accounts = append(u.Accounts, acc)
	}
	switch {
	case !terminated && last:
		// The list must end with a blank line; output that stops inside it
		// may have lost accounts even when the count happens to match.
		u.Err = fmt.Errorf("user %d: %w", info.ID, ErrTruncated)
	case len(u.Accounts) != want:
		u.Err = fmt.Errorf("user %d: %d announced, %d listed: %w", info.ID, want, len(u.Accounts), ErrCountMismatch)
	}
	return u, end
}

// parseUserHeader reads "User UserInfo{id:name:flags}:".
func parseUserHeader(l string) (UserInfo, bool) {
	l = strings.TrimSpace(l)
	body, ok := strings.CutPrefix(l, "User ")
	if !ok {
		return UserInfo{}, false
	}
	u, rest, err := parseUserInfo(body)
	if err != nil || rest != ":" {
		return UserInfo{}, false
	}
	return u, true
}

// parseAccountLine reads "Account {name=NAME, type=TYPE}". Names are not
// escaped and may contain ", type=", so the type is the text after the last
// ", type=" and the name everything before it.
func parseAccountLine(t string) (agent.RawAccount, bool) {
	body, ok := strings.CutPrefix(t, "Account {name=")
	if !ok {
		return agent.RawAccount{}, false
	}
	body, ok = strings.CutSuffix(body, "}")
	if !ok {
		return agent.RawAccount{}, false
	}
	sep := strings.LastIndex(body, ", type=")
	if sep < 0 {
		return agent.RawAccount{}, false
	}
	typ := body[sep+len(", type="):]
	if !validAccountType(typ) {
		return agent.RawAccount{}, false
	}
	return agent.RawAccount{Type: typ, Name: body[:sep]}, true
}

// validAccountType accepts the package-like strings authenticators declare.
// Anything else means the line was not what it seemed.
func validAccountType(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '.', r == '_', r == '-', r == ':':
		default:
			return false
		}
	}
	return true
}

// dumpFailure recognises a dump that failed as a whole.
func dumpFailure(out []byte) error {
	if blank(out) {
		return ErrEmptyOutput
	}
	if bytes.Contains(out, []byte("DUMP TIMEOUT")) {
		return fmt.Errorf("dumpsys account: %w", ErrTimedOut)
	}
	if !bytes.Contains(out, []byte(userHeaderPrefix)) {
		return noUserBlock(out)
	}
	return nil
}

// noUserBlock explains output that has no readable user block.
func noUserBlock(out []byte) error {
	if err := denial(out); err != nil {
		return err
	}
	switch {
	case bytes.Contains(out, []byte("services not loaded")):
		return ErrNotLoaded
	case bytes.Contains(out, []byte("Can't find service")):
		return ErrNoService
	}
	return fmt.Errorf("dumpsys account: no user block: %w", ErrUnrecognized)
}

func truncatedOr(cut bool, other error) error {
	if cut {
		return ErrTruncated
	}
	return other
}
