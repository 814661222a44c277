package protocol

import (
	"strings"
	"unicode/utf8"
)

// maskMark replaces the hidden part of a masked account name.
const maskMark = "***"

// MaskAccountName hides most of an account name while keeping enough for the
// person at the bench to recognise it: "jane.doe@gmail.com" becomes
// "ja***@gmail.com" and the Mi ID "2807000558" becomes "28***58". It is the
// one definition of a masked name: the agent masks with it before sending
// and the controller masks again whatever an agent sent before storing it,
// so a raw name never reaches the registry. Masking a masked name returns it
// unchanged.
func MaskAccountName(name string) string {
	if name == "" || isMasked(name) {
		return name
	}
	if local, domain, ok := strings.Cut(name, "@"); ok && local != "" && domain != "" && !strings.ContainsAny(domain, "*@") {
		return keepHead(local) + maskMark + "@" + domain
	}
	r := []rune(name)
	if len(r) <= 6 {
		return keepHead(name) + maskMark
	}
	return kept(r[:2]) + maskMark + kept(r[len(r)-2:])
}

func keepHead(s string) string {
	r := []rune(s)
	if len(r) <= 3 {
		return kept(r[:1])
	}
	return kept(r[:2])
}

// kept is a part of a name shown as it is, with the characters a mask is
// made of replaced, so that a mask reads as one (see isMasked).
func kept(r []rune) string {
	return strings.Map(func(c rune) rune {
		if c == '*' || c == '@' {
			return '_'
		}
		return c
	}, string(r))
}

// isMasked reports whether name has a shape MaskAccountName gives: one or
// two characters, the mark, then nothing, two characters, or "@domain".
// Such a name shows no more than its mask would.
func isMasked(name string) bool {
	head, tail, ok := strings.Cut(name, maskMark)
	if !ok || strings.Contains(head, "*") || strings.Contains(head, "@") {
		return false
	}
	if n := utf8.RuneCountInString(head); n < 1 || n > 2 {
		return false
	}
	switch {
	case tail == "":
		return true
	case strings.HasPrefix(tail, "@"):
		return len(tail) > 1 && !strings.Contains(tail[1:], "@")
	}
	return utf8.RuneCountInString(tail) == 2 && !strings.ContainsAny(tail, "*@")
}

// MaskAddresses masks every e-mail address in free text (a risk's evidence,
// a command's detail), word by word: such text is meant to be free of
// personal data, and an agent that breaks that rule must not put an
// address in the registry.
func MaskAddresses(text string) string {
	if !strings.Contains(text, "@") {
		return text
	}
	words := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(" \t\n\r,;()<>[]{}\"'", r) })
	for _, w := range words {
		if local, domain, ok := strings.Cut(w, "@"); ok && local != "" && domain != "" {
			text = strings.ReplaceAll(text, w, MaskAccountName(w))
		}
	}
	return text
}

// Masked returns r with every account name masked (MaskAccountName) and
// every address in its risks' words masked (MaskAddresses), and whether
// anything changed. r itself is left as it is.
func (r Report) Masked() (Report, bool) {
	changed := false
	mask := func(s string, f func(string) string) string {
		m := f(s)
		changed = changed || m != s
		return m
	}
	out := r
	if len(r.Accounts) > 0 {
		out.Accounts = make([]Account, len(r.Accounts))
		for i, a := range r.Accounts {
			a.Name = mask(a.Name, MaskAccountName)
			out.Accounts[i] = a
		}
	}
	if len(r.Risks) > 0 {
		out.Risks = make([]Risk, len(r.Risks))
		for i, k := range r.Risks {
			k.Account = mask(k.Account, MaskAccountName)
			k.Evidence = mask(k.Evidence, MaskAddresses)
			k.Check = mask(k.Check, MaskAddresses)
			out.Risks[i] = k
		}
	}
	return out, changed
}
