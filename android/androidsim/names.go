package androidsim

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Fake personal data for the fleet. Every address is at a reserved example
// domain and every Mi id is made up; they only have the shape of real ones.
var (
	firstNames = []string{"lena", "jonas", "maria", "tom", "sofia", "luca", "emma", "noah", "chloe", "mateo", "aisha", "yuki", "olga", "kwame"}
	lastNames  = []string{"hoffmann", "meyer", "rossi", "garcia", "novak", "silva", "dubois", "kowalski", "tanaka", "okafor", "nguyen", "berg"}
	domains    = []string{"example.com", "example.net", "example.org"}
	cjkNames   = []string{"王小明", "李娜", "张伟", "陈静", "刘洋", "佐藤花子", "김민준", "林美玲"}
	ownerNames = []string{"Owner", "Owner", "Owner", "机主", "Propriétaire", "Eigentümer", "所有者"}
	// oddNames are legal account names that trip naive parsers: commas, a
	// ", type=" inside the name, a closing brace, CJK text.
	oddNames = []string{"Müller, Anna", "Anna, type=com.google", "notes}, type=com.xiaomi", "王, 小明"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func fakeEmail(r *rand.Rand) string {
	sep := pick(r, []string{".", "_", ""})
	local := pick(r, firstNames) + sep + pick(r, lastNames)
	if r.IntN(3) == 0 {
		local += fmt.Sprint(r.IntN(90) + 10)
	}
	return local + "@" + pick(r, domains)
}

// fakeMiID is a numeric Mi account id, e.g. 2807000558.
func fakeMiID(r *rand.Rand) string {
	return fmt.Sprintf("%d%09d", 1+r.IntN(2), r.IntN(1_000_000_000))
}

// fakeIMEI returns a Luhn-valid IMEI with a vendor-like prefix.
func fakeIMEI(r *rand.Rand, prefix string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for b.Len() < 14 {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return imei(b.String())
}

// fakeSerial returns a serial in the style of the maker; all are valid
// protocol device ids.
func fakeSerial(r *rand.Rand, m model) string {
	const (
		hexDigits = "0123456789abcdef"
		upper     = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	)
	draw := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	switch {
	case m.manufacturer == "Xiaomi":
		return draw(hexDigits, 8)
	case m.manufacturer == "samsung":
		return "R5C" + draw(upper, 8)
	case m.emui != "":
		return "L2N0" + draw(upper, 12)
	default:
		return fmt.Sprintf("%02d", r.IntN(100)) + draw(upper, 12)
	}
}
