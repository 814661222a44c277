package label

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
)

// zplDotsPerMM is the resolution ZPL labels are laid out for: 203 dpi, the
// common Zebra print head.
const zplDotsPerMM = 8

// WriteZPL writes one ZPL label per phone for stock, in order. The printer
// draws the QR code itself (^BQ); text is UTF-8 (^CI28), and every field is
// written hex-escaped where it could be read as a command (^FH).
func WriteZPL(w io.Writer, stock Stock, labels []Label) error {
	if len(labels) == 0 {
		return fmt.Errorf("no labels to write")
	}
	bw := bufio.NewWriter(w)
	dots := func(mm float64) int { return int(math.Round(mm * zplDotsPerMM)) }
	lay := layoutFor(stock)
	// The printer draws the code at a whole number of dots per module; a
	// certificate ID fits a version 3 code, 29 modules.
	const qrModules = 29
	qrMag := max(1, min(10, dots(lay.qrSide)/qrModules))
	qrX := dots(lay.qrX+lay.qrSide/2) - qrMag*qrModules/2
	for _, l := range labels {
		if err := l.check(); err != nil {
			return err
		}
		title, rest := l.lines()
		fmt.Fprintf(bw, "^XA\n^CI28\n^PW%d\n^LL%d\n", dots(stock.Width), dots(stock.Height))
		y := lay.margin
		h := dots(lay.fontHeight)
		field := func(text string) {
			fmt.Fprintf(bw, "^FO%d,%d^FB%d,2,0,L^A0N,%d,%d^FH^FD%s^FS\n", dots(lay.margin), dots(y), dots(lay.textWidth), h, h, zplField(text))
			y += lay.lineHeight
		}
		field(title)
		for _, line := range rest {
			field(line)
		}
		// ^BQN,2,mag: model 2; the data starts with the error correction
		// level and input mode ("MA,": level M, automatic).
		fmt.Fprintf(bw, "^FO%d,%d^BQN,2,%d^FH^FDMA,%s^FS\n^XZ\n", qrX, dots(lay.qrY), qrMag, zplField(l.QRText()))
	}
	return bw.Flush()
}

// zplField hex-escapes the characters ZPL would read as commands in field
// data (^ and ~), the ^FH escape character itself (_), and control
// characters.
func zplField(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '^' || r == '~' || r == '_' || r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "_%02X", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
