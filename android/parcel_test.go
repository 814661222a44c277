package android

import (
	"encoding/binary"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDumpParcelParses: what DumpParcel prints (the format simulated phones
// and captures write) is what ParseIMEI reads back.
func TestDumpParcelParses(t *testing.T) {
	const imei = "490154203237518"
	units := utf16.Encode([]rune(imei))
	b := binary.LittleEndian.AppendUint32(nil, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(units)))
	for _, u := range units {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	got, err := ParseIMEI([]byte(DumpParcel(b)))
	require.NoError(t, err, DumpParcel(b))
	assert.Equal(t, imei, got)

	assert.Equal(t, "Result: Parcel(00000000 00000000    '........')\n", DumpParcel(make([]byte, 8)))
}
