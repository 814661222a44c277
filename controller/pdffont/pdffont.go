// Package pdffont gives the PDFs Unbind prints (labels, lot reports) fonts
// that show the names people type: a customer, a phone's model. fpdf's
// standard fonts speak only Windows-1252, so a Chinese model name would
// print as '?'. Instead text is set in Debian's TrueType fonts, embedded as
// subsets, each run of characters in the first installed font that has
// their glyphs (DejaVu Sans for Latin, Greek, Cyrillic...; Droid Sans
// Fallback for Chinese and Japanese; Nanum Gothic for Korean). Text with a
// character that no installed font shows is refused with an error naming
// the characters and the Debian packages, so that nothing prints wrong.
package pdffont

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

// ErrNoGlyph: a text has characters that no installed font can show.
var ErrNoGlyph = errors.New("no installed font shows these characters")

// face is a TrueType font from a Debian package.
type face struct {
	family        string
	regular, bold string
	pkg           string
}

// faces are tried in order, per character. Droid Sans Fallback has no
// bold: its regular face stands in. Italic is set upright.
var faces = []face{
	{"dejavu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core"},
	{"droid", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "", "fonts-droid-fallback"},
	{"nanum", "/usr/share/fonts/truetype/nanum/NanumGothic.ttf", "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf", "fonts-nanum"},
}

// Missing lists the font files that are not installed, each with its
// Debian package.
func Missing() []string {
	var out []string
	for _, f := range faces {
		if _, err := os.Stat(f.regular); err != nil {
			out = append(out, f.regular+" ("+f.pkg+")")
		}
	}
	return out
}

// core is the family used when no TrueType font is installed: fpdf's
// Helvetica, for text within Latin-1.
const core = "Helvetica"

// loaded is one installed face: its files' bytes and the characters it has.
type loaded struct {
	face
	regularTTF, boldTTF []byte
	has                 map[uint16]uint16
}

func (l *loaded) shows(r rune) bool {
	_, ok := l.has[uint16(r)]
	return r <= 0xFFFF && ok
}

var (
	installOnce sync.Once
	installed   []*loaded
)

// load reads the installed faces once per process.
func load() []*loaded {
	installOnce.Do(func() {
		for _, f := range faces {
			reg, err := os.ReadFile(f.regular)
			if err != nil {
				continue
			}
			rec, err := fpdf.TtfParse(f.regular)
			if err != nil || !rec.Embeddable {
				continue
			}
			l := &loaded{face: f, regularTTF: reg, boldTTF: reg, has: rec.Chars}
			if f.bold != "" {
				if b, err := os.ReadFile(f.bold); err == nil {
					l.boldTTF = b
				}
			}
			installed = append(installed, l)
		}
	})
	return installed
}

// Fonts sets text on one PDF in the installed fonts, registering each with
// the PDF the first time it is needed. Text is drawn in the style and size
// chosen with fpdf's SetFont.
type Fonts struct {
	pdf        *fpdf.Fpdf
	faces      []*loaded
	registered map[string]bool
	latin1     func(string) string
	err        error
}

// For prepares fonts for pdf.
func For(pdf *fpdf.Fpdf) *Fonts {
	return &Fonts{pdf: pdf, faces: load(), registered: map[string]bool{},
		latin1: pdf.UnicodeTranslatorFromDescriptor("")}
}

// Err is the first text refused: the PDF must not be output.
func (f *Fonts) Err() error { return f.err }

// run is a stretch of text set in one face (nil: the core font).
type run struct {
	face *loaded
	text string
}

// runs splits text into runs of one face each; a space stays in the run
// it is in. ok is false (and Err set) when a character has no face.
func (f *Fonts) runs(text string) ([]run, bool) {
	if len(f.faces) == 0 {
		if !isLatin1(text) {
			f.refuse(text)
			return nil, false
		}
		return []run{{nil, f.latin1(text)}}, true
	}
	var out []run
	for _, r := range text {
		var l *loaded
		if n := len(out); n > 0 && (unicode.IsSpace(r) || out[n-1].face.shows(r)) {
			l = out[n-1].face
		} else {
			for _, c := range f.faces {
				if c.shows(r) || unicode.IsSpace(r) {
					l = c
					break
				}
			}
		}
		if l == nil {
			f.refuse(text)
			return nil, false
		}
		if n := len(out); n > 0 && out[n-1].face == l {
			out[n-1].text += string(r)
			continue
		}
		out = append(out, run{l, string(r)})
	}
	return out, true
}

// use selects run's face in the PDF's current style and size.
func (f *Fonts) use(r run, style string, size float64) {
	if r.face == nil {
		f.pdf.SetFont(core, style, size)
		return
	}
	if !f.registered[r.face.family] {
		for _, st := range []string{"", "I"} {
			f.pdf.AddUTF8FontFromBytes(r.face.family, st, r.face.regularTTF)
			f.pdf.AddUTF8FontFromBytes(r.face.family, "B"+st, r.face.boldTTF)
		}
		f.registered[r.face.family] = true
	}
	f.pdf.SetFont(r.face.family, style, size)
}

func (f *Fonts) current() (string, float64) {
	size, _ := f.pdf.GetFontSize()
	style := strings.ReplaceAll(f.pdf.GetFontStyle(), "U", "")
	return style, size
}

// Width is the width of text as Cell draws it.
func (f *Fonts) Width(text string) float64 {
	style, size := f.current()
	family := f.pdf.GetFontFamily()
	defer f.pdf.SetFont(family, style, size)
	rs, _ := f.runs(text)
	w := 0.0
	for _, r := range rs {
		f.use(r, style, size)
		w += f.pdf.GetStringWidth(r.text)
	}
	return w
}

// Cell draws text from the current position, each run in its face, cut to
// width w (0: to the right margin), in a cell of height h; then, as fpdf's
// ln: 0 to the right of the cell, 1 to the start of the next line, 2 below
// the cell. A text with a character no font shows is not drawn (Err).
func (f *Fonts) Cell(w, h float64, text string, ln int) {
	style, size := f.current()
	family := f.pdf.GetFontFamily()
	x, y := f.pdf.GetXY()
	if w == 0 {
		pageW, _ := f.pdf.GetPageSize()
		_, _, right, _ := f.pdf.GetMargins()
		w = pageW - right - x
	}
	if rs, ok := f.runs(text); ok {
		left := w - 2*f.pdf.GetCellMargin()
		for _, r := range rs {
			f.use(r, style, size)
			s := cut(f.pdf, r.text, left)
			if s == "" {
				break
			}
			rw := f.pdf.GetStringWidth(s)
			f.pdf.CellFormat(rw+2*f.pdf.GetCellMargin(), h, s, "", 0, "L", false, 0, "")
			f.pdf.SetX(f.pdf.GetX() - 2*f.pdf.GetCellMargin())
			left -= rw
			if s != r.text {
				break
			}
		}
	}
	f.pdf.SetFont(family, style, size)
	switch ln {
	case 1:
		f.pdf.SetXY(f.pdf.GetX(), y)
		f.pdf.Ln(h)
	case 2:
		f.pdf.SetXY(x, y+h)
	default:
		f.pdf.SetXY(x+w, y)
	}
}

// Wrap splits text into lines that a Cell of width w shows whole, between
// words where it can.
func (f *Fonts) Wrap(text string, w float64) []string {
	w -= 2 * f.pdf.GetCellMargin() // as Cell leaves inside its width
	if f.Width(text) <= w {        // most lines: measured once
		return []string{text}
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		next := strings.TrimSpace(line + " " + word)
		if line != "" && f.Width(next) > w {
			lines = append(lines, line)
			next = word
		}
		line = next
		for f.Width(line) > w && len([]rune(line)) > 1 { // a word wider than the line
			r := []rune(line)
			n := len(r) - 1
			for n > 1 && f.Width(string(r[:n])) > w {
				n--
			}
			lines = append(lines, string(r[:n]))
			line = string(r[n:])
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// cut shortens s, set in the PDF's current font, to width on a character
// boundary.
func cut(pdf *fpdf.Fpdf, s string, width float64) string {
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	n := len(r)
	for n > 0 && pdf.GetStringWidth(string(r[:n])) > width {
		n--
	}
	return string(r[:n])
}

func isLatin1(text string) bool {
	for _, r := range text {
		if r > 0xFF || (r < 0x20 && r != '\t') || (r >= 0x7F && r < 0xA0) {
			return false
		}
	}
	return true
}

// refuse keeps, as the first error, the characters of text that no
// installed font shows and the packages that would.
func (f *Fonts) refuse(text string) {
	if f.err != nil {
		return
	}
	var chars []string
	seen := map[rune]bool{}
	for _, r := range text {
		shown := unicode.IsSpace(r) || (len(f.faces) == 0 && isLatin1(string(r)))
		for _, l := range f.faces {
			shown = shown || l.shows(r)
		}
		if !shown && !seen[r] {
			seen[r] = true
			chars = append(chars, fmt.Sprintf("%q (U+%04X)", r, r))
		}
	}
	var pkgs []string
	for _, fc := range faces {
		pkgs = append(pkgs, fc.pkg)
	}
	f.err = fmt.Errorf("%w: %s in %q (Unbind sets text in the fonts of the Debian packages %s)", ErrNoGlyph,
		strings.Join(chars, ", "), text, strings.Join(pkgs, ", "))
}
