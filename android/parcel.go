package android

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// DumpParcel prints a parcel's bytes as `service call` does: 16 bytes a
// line, as little-endian 32-bit words on the left and printable bytes on
// the right. Simulated phones answer with it, and captures rewrite parcels
// with it; ParseIMEI reads it.
func DumpParcel(b []byte) string {
	if len(b) <= 16 {
		return fmt.Sprintf("Result: Parcel(%s    '%s')\n", parcelWords(b), parcelText(b))
	}
	var s strings.Builder
	s.WriteString("Result: Parcel(\n")
	for off := 0; off < len(b); off += 16 {
		line := b[off:min(off+16, len(b))]
		fmt.Fprintf(&s, "  0x%08x: %-35s '%-16s'", off, parcelWords(line), parcelText(line))
		if off+16 >= len(b) {
			s.WriteString(")")
		}
		s.WriteString("\n")
	}
	return s.String()
}

func parcelWords(b []byte) string {
	words := make([]string, 0, 4)
	for i := 0; i+4 <= len(b); i += 4 {
		words = append(words, fmt.Sprintf("%08x", binary.LittleEndian.Uint32(b[i:])))
	}
	return strings.Join(words, " ")
}

func parcelText(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = '.'
		if c >= 0x20 && c < 0x7f {
			out[i] = c
		}
	}
	return string(out)
}
