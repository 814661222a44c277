package agent

import "strings"

// MaskAccountName hides most of an account name while keeping enough for the
// person at the bench to recognise it: "jane.doe@gmail.com" becomes
// "ja***@gmail.com" and the Mi ID "2807000558" becomes "28***58".
func MaskAccountName(name string) string {
	if name == "" {
		return ""
	}
	if local, domain, ok := strings.Cut(name, "@"); ok && local != "" && domain != "" {
		return keepHead(local) + "***@" + domain
	}
	r := []rune(name)
	if len(r) <= 6 {
		return keepHead(name) + "***"
	}
	return string(r[:2]) + "***" + string(r[len(r)-2:])
}

func keepHead(s string) string {
	r := []rune(s)
	if len(r) <= 3 {
		return string(r[:1])
	}
	return string(r[:2])
}
