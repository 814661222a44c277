package android

import (
	"fmt"
	"strconv"
	"strings"
)

// exSecurity is the status word of a parcel that carries a SecurityException.
const exSecurity = 0xffffffff

// ParseIMEI reads the reply of `service call iphonesubinfo 1 s16
// com.android.shell`, a parcel dump such as
//
//	Result: Parcel(
//	  0x00000000: 00000000 0000000f 00350033 00300035 '........3.5.0.5.'
//	  0x00000010: 00360030 00310030 00330032 00350034 '0.6.0.1.2.3.4.5.'
//	  0x00000020: 00000036                            '6...            ')
//
// The hex words hold a status, a UTF-16 string length and the characters;
// the quoted right column spells the same bytes and is read when the words
// are not. Only 15 digits passing the Luhn check are an IMEI.
func ParseIMEI(out []byte) (string, error) {
	if blank(out) {
		return "", ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return "", err
	}
	ls, _ := lines(out)
	var words []uint32
	var column strings.Builder
	seen := false
	for _, l := range ls {
		rest := strings.TrimSpace(l)
		if r, ok := strings.CutPrefix(rest, "Result: Parcel("); ok {
			seen = true
			rest = r
		}
		if !seen {
			continue
		}
		hex, quoted, _ := strings.Cut(rest, "'")
		if i := strings.LastIndexByte(quoted, '\''); i >= 0 {
			column.WriteString(quoted[:i])
		}
		for _, f := range strings.Fields(hex) {
			if strings.HasSuffix(f, ":") || f == ")" {
				continue
			}
			w, err := strconv.ParseUint(f, 16, 32)
			if err != nil || len(f) != 8 {
				return "", fmt.Errorf("parcel word: %w", ErrUnrecognized)
			}
			words = append(words, uint32(w))
		}
	}
	if !seen || len(words) == 0 {
		return "", fmt.Errorf("parcel: %w", ErrUnrecognized)
	}
	switch words[0] {
	case 0:
	case exSecurity:
		return "", ErrSecurityException
	default:
		return "", fmt.Errorf("parcel status %#x: %w", words[0], ErrUnrecognized)
	}
	if imei, ok := parcelString(words[1:]); ok && ValidIMEI(imei) {
		return imei, nil
	} else if ok && imei == "" {
		return "", ErrNull
	}
	if imei := digits(column.String()); ValidIMEI(imei) {
		return imei, nil
	}
	return "", fmt.Errorf("parcel: no valid IMEI: %w", ErrUnrecognized)
}

// parcelString decodes a length-prefixed UTF-16 string from parcel words.
// A length of -1 is a null string, returned as "".
func parcelString(words []uint32) (string, bool) {
	if len(words) == 0 {
		return "", false
	}
	n := int32(words[0])
	if n == -1 {
		return "", true
	}
	if n < 0 || n > 64 || int(n) > 2*(len(words)-1) {
		return "", false
	}
	units := make([]rune, 0, n)
	for _, w := range words[1:] {
		units = append(units, rune(w&0xffff), rune(w>>16))
	}
	return string(units[:n]), true
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ValidIMEI reports whether s is 15 digits whose last is the Luhn check digit.
func ValidIMEI(s string) bool {
	if len(s) != 15 {
		return false
	}
	sum := 0
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
