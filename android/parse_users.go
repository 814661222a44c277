package android

import (
	"fmt"
	"strconv"
	"strings"
)

// UserInfo is one Android user as pm and dumpsys print it:
// UserInfo{<id>:<name>:<hexflags>}. Name is chosen by the person (it may be
// their own name) and is never logged.
type UserInfo struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Flags   uint32 `json:"flags"`
	Running bool   `json:"running,omitempty"`
}

// ParseUsers parses `pm list users`:
//
//	Users:
//		UserInfo{0:Owner:c13} running
//		UserInfo{150:Secure Folder:1030}
//
// Any line after the header that is not a user makes the whole answer
// unrecognized: a user that is skipped could hold a lock-bearing account.
func ParseUsers(out []byte) ([]UserInfo, error) {
	if blank(out) {
		return nil, ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return nil, err
	}
	ls, complete := lines(out)
	i := 0
	for i < len(ls) && strings.TrimSpace(ls[i]) != "Users:" {
		i++
	}
	if i == len(ls) {
		return nil, fmt.Errorf("pm list users: no header: %w", ErrUnrecognized)
	}
	if !complete {
		return nil, fmt.Errorf("pm list users: %w", ErrTruncated)
	}
	users := []UserInfo{}
	for n, l := range ls[i+1:] {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		u, rest, err := parseUserInfo(t)
		if err != nil {
			return nil, fmt.Errorf("pm list users line %d: %w", i+2+n, err)
		}
		switch strings.TrimSpace(rest) {
		case "":
		case "running":
			u.Running = true
		default:
			return nil, fmt.Errorf("pm list users line %d: %w", i+2+n, ErrUnrecognized)
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("pm list users: no user: %w", ErrUnrecognized)
	}
	return users, nil
}

// parseUserInfo reads "UserInfo{id:name:flags}" at the start of s and returns
// what follows it. The name may hold ':' and '}', so the id ends at the first
// ':' and the flags start after the last ':' before the last '}'.
func parseUserInfo(s string) (UserInfo, string, error) {
	const prefix = "UserInfo{"
	if !strings.HasPrefix(s, prefix) {
		return UserInfo{}, "", ErrUnrecognized
	}
	body := s[len(prefix):]
	end := strings.LastIndexByte(body, '}')
	if end < 0 {
		return UserInfo{}, "", ErrUnrecognized
	}
	body, rest := body[:end], body[end+1:]
	idText, tail, ok := strings.Cut(body, ":")
	if !ok {
		return UserInfo{}, "", ErrUnrecognized
	}
	sep := strings.LastIndexByte(tail, ':')
	if sep < 0 {
		return UserInfo{}, "", ErrUnrecognized
	}
	id, err := strconv.Atoi(idText)
	if err != nil || id < 0 {
		return UserInfo{}, "", ErrUnrecognized
	}
	flags, err := strconv.ParseUint(tail[sep+1:], 16, 32)
	if err != nil {
		return UserInfo{}, "", ErrUnrecognized
	}
	return UserInfo{ID: id, Name: tail[:sep], Flags: uint32(flags)}, rest, nil
}
