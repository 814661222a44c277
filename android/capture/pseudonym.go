package capture

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/unbind/unbind/android"
)

// Pseudonyms maps personal values to stable stand-ins: within one capture
// the same value always gets the same pseudonym, of the same kind (an
// e-mail stays an e-mail, an IMEI a valid IMEI), so parsers see consistent
// data. Share one between the phones of one capture run so that their
// pseudonyms differ (and a value seen on two phones is one pseudonym). It
// is not safe for concurrent use.
type Pseudonyms struct {
	byValue map[string]string
	counts  map[string]int
	imeis   map[string]string
}

// NewPseudonyms returns an empty table.
func NewPseudonyms() *Pseudonyms {
	return &Pseudonyms{byValue: map[string]string{}, counts: map[string]int{}, imeis: map[string]string{}}
}

var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	phoneRE = regexp.MustCompile(`\+[0-9]{8,15}`)
)

// minBare is the shortest value replaced wherever it appears; shorter
// account names are replaced only inside their own Account {name=…} text,
// where a short word cannot be mistaken for anything else.
const minBare = 4

func (p *Pseudonyms) add(kind, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	if _, ok := p.byValue[value]; ok {
		return
	}
	p.counts[kind]++
	n := p.counts[kind]
	var ps string
	switch {
	case kind == "imei":
		ps = pseudoIMEI(n)
		p.imeis[value] = ps
	case kind == "serial":
		ps = fmt.Sprintf("SERIAL%04d", n)
	case emailRE.MatchString(value) && emailRE.FindString(value) == value:
		p.counts["email"]++
		ps = fmt.Sprintf("person%d@example.invalid", p.counts["email"])
	case phoneRE.FindString(value) == value:
		p.counts["phone"]++
		ps = fmt.Sprintf("+999%08d", p.counts["phone"])
	case allDigits(value):
		// Mi account ids are numbers: keep the length and the shape.
		p.counts["number"]++
		s := fmt.Sprintf("9%0*d", max(len(value)-1, 1), p.counts["number"])
		ps = s
	default:
		p.counts["account"]++
		ps = fmt.Sprintf("account%d", p.counts["account"])
	}
	p.byValue[value] = ps
}

// pseudoIMEI is the n-th made-up IMEI: 15 digits passing the Luhn check.
func pseudoIMEI(n int) string {
	body := fmt.Sprintf("00%012d", n)
	for d := range 10 {
		if s := body + string(rune('0'+d)); android.ValidIMEI(s) {
			return s
		}
	}
	return body + "0"
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// collect finds the personal values in what one command printed.
func (p *Pseudonyms) collect(argv []string, out []byte) {
	switch {
	case len(argv) == 1 && argv[0] == "getprop":
		if props, err := android.ParseGetprop(out); err == nil {
			for k, v := range props {
				p.collectProp(k, v)
			}
		}
	case len(argv) == 2 && argv[0] == "getprop":
		if v, err := android.ParseGetpropValue(out); err == nil {
			p.collectProp(argv[1], v)
		}
	case len(argv) >= 3 && argv[0] == "service" && argv[2] == "iphonesubinfo":
		if imei, err := android.ParseIMEI(out); err == nil {
			p.add("imei", imei)
		}
	case len(argv) == 2 && argv[0] == "dumpsys" && argv[1] == "device_policy":
		// A reset protection policy names the admin's account IDs.
		if pol, err := android.ParseDevicePolicy(out); err == nil {
			for _, a := range pol.FRPAccounts {
				p.add("account", a)
			}
		}
	}
	for _, name := range accountNames(out) {
		p.add("account", name)
	}
	for _, e := range emailRE.FindAll(out, -1) {
		p.add("account", string(e))
	}
	for _, ph := range phoneRE.FindAll(out, -1) {
		p.add("account", string(ph))
	}
}

func (p *Pseudonyms) collectProp(key, value string) {
	k := strings.ToLower(key)
	switch {
	case strings.Contains(k, "serial"):
		p.add("serial", value)
	case strings.Contains(k, "imei"), strings.Contains(k, "meid"):
		p.add("imei", value)
	}
}

// accountNames picks the names out of every `Account {name=NAME, type=TYPE}`
// in out. A name may hold commas, braces and even ", type="; the type never
// does, so the name ends at the line's last ", type=" before the brace.
func accountNames(out []byte) []string {
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		rest := line
		for {
			i := strings.Index(rest, "Account {name=")
			if i < 0 {
				break
			}
			rest = rest[i+len("Account {name="):]
			end := strings.LastIndex(rest, ", type=")
			if end < 0 {
				break
			}
			names = append(names, rest[:end])
			// Later accounts on the same line (sessions) end before end.
			rest = rest[:end]
		}
	}
	return names
}

// replacer returns the substitution of every collected value.
func (p *Pseudonyms) replacer() *strings.Replacer {
	type pair struct{ old, new string }
	var pairs []pair
	for v, ps := range p.byValue {
		pairs = append(pairs, pair{"Account {name=" + v + ", type=", "Account {name=" + ps + ", type="})
		if len(v) >= minBare {
			pairs = append(pairs, pair{v, ps})
		}
	}
	// Longest first, so that a value inside a longer one cannot win.
	slices.SortFunc(pairs, func(a, b pair) int {
		return cmp.Or(cmp.Compare(len(b.old), len(a.old)), cmp.Compare(a.old, b.old))
	})
	args := make([]string, 0, 2*len(pairs))
	for _, pr := range pairs {
		args = append(args, pr.old, pr.new)
	}
	return strings.NewReplacer(args...)
}

// rewrite pseudonymises one output.
func (p *Pseudonyms) rewrite(r *strings.Replacer, argv []string, out []byte) []byte {
	if len(argv) >= 3 && argv[0] == "service" && argv[2] == "iphonesubinfo" {
		out = p.rewriteParcel(out)
	}
	return []byte(r.Replace(string(out)))
}

// rewriteParcel replaces an IMEI spelled in a `service call` parcel dump,
// whose hex words and right column both hold its digits, by re-printing the
// dump with the pseudonym's. Output that is not such a dump is returned
// as is.
func (p *Pseudonyms) rewriteParcel(out []byte) []byte {
	imei, err := android.ParseIMEI(out)
	if err != nil {
		return out
	}
	ps, ok := p.imeis[imei]
	if !ok {
		return out
	}
	raw, ok := parcelBytes(out)
	if !ok {
		return out
	}
	from, to := utf16le(imei), utf16le(ps)
	if !bytes.Contains(raw, from) {
		return out
	}
	return []byte(android.DumpParcel(bytes.ReplaceAll(raw, from, to)))
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// parcelBytes reads the hex words of a parcel dump back into bytes.
func parcelBytes(out []byte) ([]byte, bool) {
	var raw []byte
	seen := false
	for _, l := range strings.Split(string(out), "\n") {
		rest := strings.TrimSpace(l)
		if r, ok := strings.CutPrefix(rest, "Result: Parcel("); ok {
			seen, rest = true, r
		}
		if !seen {
			continue
		}
		hex, _, _ := strings.Cut(rest, "'")
		for _, f := range strings.Fields(hex) {
			if strings.HasSuffix(f, ":") || f == ")" {
				continue
			}
			var w uint32
			if _, err := fmt.Sscanf(f, "%08x", &w); err != nil || len(f) != 8 {
				return nil, false
			}
			raw = binary.LittleEndian.AppendUint32(raw, w)
		}
	}
	return raw, seen && len(raw) > 0
}
