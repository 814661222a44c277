package androidsim

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

const serviceUsage = "Usage: service [-h|-?]\n" +
	"       service list\n" +
	"       service check SERVICE\n" +
	"       service call SERVICE CODE [i32 N | i64 N | f N | d N | s16 STR | null | fd f] ...\n"

// service answers `service call iphonesubinfo 1 s16 com.android.shell` with
// the IMEI as a parcel dump, or a SecurityException parcel when the phone
// withholds it.
func (p *Phone) service(pr *proc, args []string) {
	switch {
	case len(args) >= 3 && args[0] == "call" && args[1] == "iphonesubinfo":
		if args[2] == "1" && p.id.IMEI != "" {
			pr.out("%s", parcelDump(stringParcel(0, p.id.IMEI)))
			return
		}
		if args[2] == "1" {
			pr.out("%s", parcelDump(stringParcel(0xffffffff,
				"getImeiForSlot: The user 2000 does not meet the requirements to access device identifiers.")))
			return
		}
		pr.out("%s", parcelDump(make([]byte, 8)))
	case len(args) >= 3 && args[0] == "call":
		pr.out("service: Service %s does not exist\n", args[1])
	case len(args) == 2 && args[0] == "check":
		if args[1] == "iphonesubinfo" || args[1] == "account" {
			pr.out("Service %s: found\n", args[1])
		} else {
			pr.out("Service %s: not found\n", args[1])
		}
	default:
		pr.err("%s", serviceUsage)
		pr.code = 1
	}
}

// stringParcel is a reply parcel: an int32 status, then a String16 (int32
// length, UTF-16LE code units, a NUL unit, padding to 4 bytes).
func stringParcel(status uint32, s string) []byte {
	units := utf16.Encode([]rune(s))
	b := binary.LittleEndian.AppendUint32(nil, status)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(units)))
	for _, u := range append(units, 0) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// parcelDump prints a parcel as `service call` does: 16 bytes a line, as
// little-endian 32-bit words on the left and printable bytes on the right.
func parcelDump(b []byte) string {
	if len(b) <= 16 {
		return fmt.Sprintf("Result: Parcel(%s    '%s')\n", hexWords(b), printable(b))
	}
	var s strings.Builder
	s.WriteString("Result: Parcel(\n")
	for off := 0; off < len(b); off += 16 {
		line := b[off:min(off+16, len(b))]
		fmt.Fprintf(&s, "  0x%08x: %-35s '%-16s'", off, hexWords(line), printable(line))
		if off+16 >= len(b) {
			s.WriteString(")")
		}
		s.WriteString("\n")
	}
	return s.String()
}

func hexWords(b []byte) string {
	words := make([]string, 0, 4)
	for i := 0; i+4 <= len(b); i += 4 {
		words = append(words, fmt.Sprintf("%08x", binary.LittleEndian.Uint32(b[i:])))
	}
	return strings.Join(words, " ")
}

func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 0x20 && c < 0x7f {
			out[i] = c
		} else {
			out[i] = '.'
		}
	}
	return string(out)
}

// luhnDigit returns the check digit that makes digits+check pass Luhn.
func luhnDigit(digits string) byte {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// imei completes 14 digits with their Luhn check digit.
func imei(digits14 string) string {
	return digits14 + string(luhnDigit(digits14))
}
