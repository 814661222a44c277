package label

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"rsc.io/qr"
)

// pdfEpoch fixes the PDF's creation date, so that the same labels make the
// same file.
var pdfEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// WritePDF writes one page of stock per label, in order.
func WritePDF(w io.Writer, stock Stock, labels []Label) error {
	if stock.Width <= 0 || stock.Height <= 0 {
		return fmt.Errorf("label stock %q has no size", stock.Name)
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: stock.Width, Ht: stock.Height}})
	pdf.SetCreationDate(pdfEpoch)
	pdf.SetModificationDate(pdfEpoch)
	pdf.SetTitle("Unbind phone labels", true)
	pdf.SetProducer("unbind", true)
	pdf.SetAutoPageBreak(false, 0)
	// The core fonts speak Windows-1252: other characters print as '?'.
	text := pdf.UnicodeTranslatorFromDescriptor("")

	lay := layoutFor(stock)
	fontPt := lay.fontHeight * 72 / 25.4 // a point is 1/72 in
	for i, l := range labels {
		if err := l.check(); err != nil {
			return err
		}
		pdf.AddPage()
		pdf.SetMargins(lay.margin, lay.margin, lay.margin)
		pdf.SetXY(lay.margin, lay.margin)
		title, rest := l.lines()
		pdf.SetFont("Helvetica", "B", fontPt)
		for _, line := range pdf.SplitText(text(title), lay.textWidth) {
			pdf.CellFormat(lay.textWidth, lay.lineHeight, line, "", 2, "L", false, 0, "")
		}
		pdf.SetFont("Helvetica", "", fontPt)
		for _, line := range rest {
			for _, part := range pdf.SplitText(text(line), lay.textWidth) {
				pdf.CellFormat(lay.textWidth, lay.lineHeight, part, "", 2, "L", false, 0, "")
			}
		}
		code, err := qr.Encode(l.QRText(), qr.M)
		if err != nil {
			return fmt.Errorf("QR code of device %s: %w", l.DeviceID, err)
		}
		name := fmt.Sprintf("qr%d", i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(code.PNG()))
		pdf.ImageOptions(name, lay.qrX, lay.qrY, lay.qrSide, lay.qrSide, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		if pdf.Err() {
			return fmt.Errorf("label of device %s: %w", l.DeviceID, pdf.Error())
		}
	}
	if len(labels) == 0 {
		return fmt.Errorf("no labels to write")
	}
	return pdf.Output(w)
}
