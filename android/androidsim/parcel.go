package androidsim

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"unicode/utf16"

	"github.com/unbind/unbind/android"
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
			pr.out("%s", android.DumpParcel(stringParcel(0, p.id.IMEI)))
			return
		}
		if args[2] == "1" {
			pr.out("%s", android.DumpParcel(stringParcel(0xffffffff,
				"getImeiForSlot: The user 2000 does not meet the requirements to access device identifiers.")))
			return
		}
		pr.out("%s", android.DumpParcel(make([]byte, 8)))
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

// IMEIFor is a valid IMEI of its own for the phone with this serial, so that
// phones built from one profile under different serials are different
// phones (the controller flags two phones reporting one IMEI).
func IMEIFor(serial string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(serial)) // never fails
	return imei(fmt.Sprintf("35%012d", h.Sum64()%1_000_000_000_000))
}
