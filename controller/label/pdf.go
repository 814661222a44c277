package label

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"rsc.io/qr"

	"github.com/unbind/unbind/controller/pdffont"
)

// pdfEpoch fixes the PDF's creation date, so that the same labels make the
// same file.
var pdfEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// qrPNG encodes the QR images fast, reusing its compressor across labels.
var qrPNG = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}

// pngBuffers keeps image/png's encoder state for reuse.
type pngBuffers struct{ pool sync.Pool }

func (b *pngBuffers) Get() *png.EncoderBuffer {
	if e, ok := b.pool.Get().(*png.EncoderBuffer); ok {
		return e
	}
	return nil
}

func (b *pngBuffers) Put(e *png.EncoderBuffer) { b.pool.Put(e) }

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
	// A label's page is a few hundred bytes of text: compressing each of
	// thousands costs more time than the bytes it saves.
	pdf.SetCompression(false)
	// Maker and model are set in a font that shows them, or the label is
	// refused (pdffont): never printed as '?'.
	fonts := pdffont.For(pdf)

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
		for _, line := range fonts.Wrap(title, lay.textWidth) {
			fonts.Cell(lay.textWidth, lay.lineHeight, line, 2)
		}
		pdf.SetFont("Helvetica", "", fontPt)
		for _, line := range rest {
			for _, part := range fonts.Wrap(line, lay.textWidth) {
				fonts.Cell(lay.textWidth, lay.lineHeight, part, 2)
			}
		}
		if err := fonts.Err(); err != nil {
			return fmt.Errorf("label of device %s: %w", l.DeviceID, err)
		}
		code, err := qr.Encode(l.QRText(), qr.M)
		if err != nil {
			return fmt.Errorf("QR code of device %s: %w", l.DeviceID, err)
		}
		// One pixel per module: the page scales the image up, and a PDF
		// image is drawn without smoothing unless it asks for it, so the
		// modules stay sharp while a lot of thousands of labels stays small.
		// (rsc.io/qr's own fast PNG writer fails at scale 1: encode with
		// image/png.)
		code.Scale = 1
		var img bytes.Buffer
		if err := qrPNG.Encode(&img, code.Image()); err != nil {
			return fmt.Errorf("QR code of device %s: %w", l.DeviceID, err)
		}
		name := fmt.Sprintf("qr%d", i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &img)
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
