package android

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/unbind/unbind/agent"
)

// maxCheckinCount bounds one "<type>,<count>" line. No phone holds a thousand
// accounts of one type; a larger number means the line is not what it seems.
const maxCheckinCount = 1000

// ParseAccountCheckin parses `dumpsys account --checkin`, which carries
// account types and counts but no names:
//
//	User UserInfo{0:Owner:13}:
//	  com.google,1
//	  com.xiaomi,1
//	<blank line>
//
// No capture of this form exists, so the parser is strict: any other line
// makes the whole answer unrecognized, and the caller falls back to the full
// dump. Accounts come back with empty names, one per counted account. With
// no count announced, a cut at a line end is detectable only by the blank
// line that closes a user block, so the last block without one is truncated.
func ParseAccountCheckin(out []byte) (AccountDump, error) {
	if err := dumpFailure(out); err != nil {
		return AccountDump{}, err
	}
	ls, _ := lines(out)
	var dump AccountDump
	var cur *UserAccounts
	closed := true
	for n, l := range ls {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			closed = true
		case strings.HasPrefix(l, userHeaderPrefix):
			u, ok := parseUserHeader(l)
			if !ok {
				return AccountDump{}, fmt.Errorf("checkin line %d: %w", n+1, truncatedOr(n == len(ls)-1, ErrUnrecognized))
			}
			dump.Users = append(dump.Users, UserAccounts{User: u, Accounts: []agent.RawAccount{}})
			cur = &dump.Users[len(dump.Users)-1]
			closed = false
		case cur == nil || closed:
			return AccountDump{}, fmt.Errorf("checkin line %d: outside a user block: %w", n+1, ErrUnrecognized)
		default:
			typ, count, ok := parseCheckinLine(t)
			if !ok {
				return AccountDump{}, fmt.Errorf("checkin line %d: %w", n+1, truncatedOr(n == len(ls)-1, ErrUnrecognized))
			}
			for range count {
				cur.Accounts = append(cur.Accounts, agent.RawAccount{Type: typ})
			}
		}
	}
	if len(dump.Users) == 0 {
		return AccountDump{}, noUserBlock(out)
	}
	if !closed {
		last := &dump.Users[len(dump.Users)-1]
		last.Err = fmt.Errorf("user %d: %w", last.User.ID, ErrTruncated)
	}
	return dump, nil
}

// parseCheckinLine reads "<type>,<count>".
func parseCheckinLine(t string) (string, int, bool) {
	sep := strings.LastIndexByte(t, ',')
	if sep < 0 {
		return "", 0, false
	}
	typ := t[:sep]
	count, err := strconv.Atoi(t[sep+1:])
	if err != nil || count < 0 || count > maxCheckinCount || !validAccountType(typ) {
		return "", 0, false
	}
	return typ, count, true
}
