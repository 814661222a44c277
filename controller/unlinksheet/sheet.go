// Package unlinksheet writes the page a held phone's previous owner is
// given: the maker's remote steps in plain words, the phone's model and a
// short reference to quote back, as HTML data for the console and as a
// printable PDF with a QR code of the maker's site. It names no person and
// holds no account.
package unlinksheet

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"rsc.io/qr"

	"github.com/unbind/unbind/protocol"
)

// Sheet is one phone's unlink sheet.
type Sheet struct {
	Maker     string
	Model     string
	Reference string
	// Why says why the release waits, in words.
	Why   string
	Steps []string
	// Site is where the owner does it (the QR code's text); "" when no
	// single address is known.
	Site string
}

// For builds the sheet of a phone of this identity whose last report is
// rep (nil if none), for the release releaseID waiting for why.
func For(id protocol.Identity, rep *protocol.Report, releaseID, why string) Sheet {
	s := Sheet{Model: strings.TrimSpace(id.Brand + " " + id.Model), Reference: Reference(releaseID), Why: why}
	if m, ok := protocol.MakerOf(id); ok {
		s.Maker, s.Site = m.Name, m.Site
		if m.Owner != "" {
			s.Steps = append(s.Steps, m.Owner)
		}
		if m.Name != "Google" && rep != nil && rep.HasRisk(protocol.RiskGoogleFRP) {
			for _, g := range protocol.Makers {
				if g.Name == "Google" {
					s.Steps = append(s.Steps, g.Owner)
				}
			}
		}
	}
	if len(s.Steps) == 0 {
		s.Steps = []string{"Remove the phone from your account's list of devices on its maker's website, or sign out of your account on the phone if you still have it in hand."}
	}
	return s
}

// Reference is the short code the previous owner quotes back: the release
// ID's first eight characters, upper case.
func Reference(releaseID string) string {
	if len(releaseID) > 8 {
		releaseID = releaseID[:8]
	}
	return strings.ToUpper(releaseID)
}

// Words of the sheet, shared by the console page and the PDF.
const (
	Title  = "Please release this phone from your account"
	Intro  = "The phone below was handed in for reuse. It is still tied to an account or a service of yours, so it cannot be reset safely. Only you can release it, from any browser; it takes a few minutes."
	Outro  = "When it is done, tell us the reference above. Nothing else is needed: the phone is checked again by itself and reset once it shows no lock."
	NoData = "This sheet names no person and holds no account details."
)

// pdfEpoch fixes the PDF's dates (the library still orders its font
// table as it likes, so two files of one sheet may differ in bytes).
var pdfEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// WritePDF writes the sheet as one A4 page.
func WritePDF(w io.Writer, s Sheet) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(pdfEpoch)
	pdf.SetModificationDate(pdfEpoch)
	pdf.SetTitle("Unlink sheet "+s.Reference, true)
	pdf.SetProducer("unbind", true)
	// The core fonts speak Windows-1252: other characters print as '?'.
	text := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AddPage()
	pdf.SetMargins(20, 20, 20)
	pdf.SetXY(20, 20)
	const width = 170
	para := func(style string, size float64, line string) {
		pdf.SetFont("Helvetica", style, size)
		pdf.MultiCell(width, size*0.5, text(line), "", "L", false)
		pdf.Ln(3)
	}
	para("B", 16, Title)
	para("", 11, Intro)
	phone := strings.TrimSpace(s.Maker + " " + s.Model)
	para("", 11, "Phone: "+phone)
	para("B", 12, "Reference: "+s.Reference)
	para("", 11, "Why it waits: "+s.Why)
	para("B", 13, "What to do")
	for i, step := range s.Steps {
		para("", 11, fmt.Sprintf("%d. %s", i+1, step))
	}
	para("", 11, Outro)
	if s.Site != "" {
		code, err := qr.Encode(s.Site, qr.M)
		if err != nil {
			return fmt.Errorf("unlink sheet %s: QR code: %w", s.Reference, err)
		}
		pdf.RegisterImageOptionsReader("site", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(code.PNG()))
		y := pdf.GetY() + 2
		pdf.ImageOptions("site", 20, y, 35, 35, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		pdf.SetXY(60, y+12)
		para("", 10, "Scan to open "+s.Site)
		pdf.SetXY(20, y+40)
	}
	para("I", 9, NoData)
	if pdf.Err() {
		return fmt.Errorf("unlink sheet %s: %w", s.Reference, pdf.Error())
	}
	return pdf.Output(w)
}
