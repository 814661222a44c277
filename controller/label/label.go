// Package label writes phone labels: one per phone, as PDF pages sized for
// common label stock (62 mm continuous tape, 4x6 in shipping labels) and as
// ZPL for Zebra printers. A label carries what a person at a bench or a
// warehouse needs to match a phone to its record: maker and model, serial,
// the last digits of the IMEI, the verdict or release outcome, the lot, a
// date, and a QR code of the certificate's ID (or, without a certificate,
// of the device ID), which the console's scan-to-find opens.
package label

import (
	"fmt"
	"strings"
	"time"
)

// Label is what one phone's label shows.
type Label struct {
	DeviceID string
	Maker    string
	Model    string
	Serial   string
	// IMEI is the full IMEI; the label shows its last ShownIMEIDigits.
	IMEI string
	// Outcome is the release outcome ("released", "failed") or, without a
	// finished release, the verdict ("safe", "at_risk", "unknown").
	Outcome string
	Lot     string
	// Date is the release's end, or when the label was made.
	Date time.Time
	// CertificateID is the phone's certificate, "" when it has none.
	CertificateID string
}

// layout places a label on stock, in millimetres: the text lines at the
// top, full width, and the QR code centred under them. PDF and ZPL share it.
type layout struct {
	margin, textWidth, lineHeight float64
	// fontHeight is the text's font size (its em height).
	fontHeight       float64
	qrX, qrY, qrSide float64
}

// lineChars is how many characters of a line must fit on one line.
const lineChars = 36

func layoutFor(stock Stock) layout {
	var l layout
	l.margin = stock.Width * 0.05
	l.textWidth = stock.Width - 2*l.margin
	l.qrSide = min(stock.Width*0.5, stock.Height*0.4)
	l.qrX, l.qrY = (stock.Width-l.qrSide)/2, stock.Height-l.margin-l.qrSide
	// Eight lines (a title, six fields, room for one wrapped) and leading.
	l.lineHeight = (stock.Height - l.qrSide - 3*l.margin) / 9
	// A character is about half as wide as the font is high (a bold one a
	// little more): lineChars must fit.
	l.fontHeight = min(l.lineHeight*0.85, l.textWidth/(lineChars*0.56))
	return l
}

// Outcome is what a label shows as the outcome: the outcome of the phone's
// newest release once it finished, else its verdict.
func Outcome(releaseOutcome, verdict string) string {
	if releaseOutcome != "" {
		return releaseOutcome
	}
	return verdict
}

// Date is a label's date: the end of the phone's release, else now.
func Date(releaseFinished, now time.Time) time.Time {
	if !releaseFinished.IsZero() {
		return releaseFinished
	}
	return now
}

// ShownIMEIDigits is how many trailing IMEI digits a label shows: enough to
// tell phones of one lot apart, too few to be the identifier itself.
const ShownIMEIDigits = 4

// Stock is a label size.
type Stock struct {
	Name string
	// Width and Height in millimetres.
	Width, Height float64
}

// The label stocks Unbind writes.
var (
	// Stock62mm is 62 mm continuous tape, cut at 80 mm.
	Stock62mm = Stock{Name: "62mm", Width: 62, Height: 80}
	// Stock4x6 is a 4x6 in shipping label.
	Stock4x6 = Stock{Name: "4x6", Width: 101.6, Height: 152.4}
)

// Stocks are the stocks by name.
var Stocks = map[string]Stock{Stock62mm.Name: Stock62mm, Stock4x6.Name: Stock4x6}

// QRText is what the label's QR code holds: the certificate ID, or the
// device ID when there is no certificate yet.
func (l Label) QRText() string {
	if l.CertificateID != "" {
		return l.CertificateID
	}
	return l.DeviceID
}

// lines are the label's text lines, title first, in one place for PDF and
// ZPL alike.
func (l Label) lines() (title string, rest []string) {
	title = strings.TrimSpace(orDash(l.Maker) + " " + l.Model)
	imei := "-"
	if n := len(l.IMEI); n > 0 {
		imei = "ends " + l.IMEI[max(0, n-ShownIMEIDigits):]
	}
	qr := "Cert " + l.CertificateID
	if l.CertificateID == "" {
		qr = "Device " + l.DeviceID
	}
	rest = []string{
		"S/N " + orDash(l.Serial),
		"IMEI " + imei,
		"Outcome " + strings.ToUpper(orDash(l.Outcome)),
		"Lot " + orDash(l.Lot),
		"Date " + l.Date.UTC().Format(time.DateOnly),
		qr,
	}
	return title, rest
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// check refuses a label with no device, which could not be traced back.
func (l Label) check() error {
	if l.DeviceID == "" {
		return fmt.Errorf("label for serial %q: no device ID", l.Serial)
	}
	return nil
}
