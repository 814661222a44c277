package main

import (
	"fmt"
	"io"
	"strings"

	"rsc.io/qr"
)

// quietZone is the light margin scanners need around a QR code, in modules.
const quietZone = 4

// writeQR prints text as a QR code made of Unicode half blocks, two rows of
// modules per line. Light modules are drawn, so it reads on the usual dark
// terminal background (as `qrencode -t UTF8` does).
func writeQR(w io.Writer, text string) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return fmt.Errorf("encode QR code: %w", err)
	}
	light := func(x, y int) bool {
		if x < 0 || y < 0 || x >= code.Size || y >= code.Size {
			return true
		}
		return !code.Black(x, y)
	}
	var b strings.Builder
	for y := -quietZone; y < code.Size+quietZone; y += 2 {
		for x := -quietZone; x < code.Size+quietZone; x++ {
			top, bottom := light(x, y), light(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}
