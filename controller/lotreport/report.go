// Package lotreport writes the auditor's report of a lot as PDF: what the
// lot is, counts of its phones by release outcome and by lock kind, one
// row per phone with its certificate and the evidence that certificate
// rests on, and the lot's audit trail (who did what, when). It says what a
// certificate is, a release of account locks, and claims nothing more.
package lotreport

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/pdffont"
)

// pdfEpoch fixes the file's creation date: the report's own date is the
// manifest's, printed on the first page.
var pdfEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Report is what the report shows.
type Report struct {
	Pack api.LotPack
	// Manifest is the pack's manifest, as verified.
	Manifest cert.Manifest
	// Certificates are the pack's certificate documents by ID.
	Certificates map[string]cert.Document
}

// NotReleased is the outcome of a phone with no finished release.
const NotReleased = "not released"

// Outcome is a phone's line in the counts: its newest release's outcome,
// "in progress" while one runs, NotReleased without one.
func Outcome(d api.LotDevice) string {
	switch {
	case d.ReleaseOutcome != "":
		return d.ReleaseOutcome
	case d.ReleaseID != "":
		return "in progress"
	default:
		return NotReleased
	}
}

// Evidence is what a phone's certificate rests on: the kind of the
// evidence entry that carries it, "not recorded" for a certificate issued
// before evidence was kept, "-" without a certificate.
func Evidence(doc cert.Document, ok bool) string {
	if !ok {
		return "-"
	}
	for _, e := range doc.Evidence {
		if e.Rests() {
			return e.Kind
		}
	}
	return "not recorded"
}

// Write writes the report.
func Write(w io.Writer, r Report) error {
	p := r.Pack
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCreationDate(pdfEpoch)
	pdf.SetModificationDate(pdfEpoch)
	pdf.SetTitle("Lot "+p.Lot.ID+": release of account locks", true)
	pdf.SetProducer("unbind", true)
	pdf.SetMargins(12, 12, 12)
	pdf.SetAutoPageBreak(true, 12)
	// Static words are in the core font; names (customer, reference, who,
	// model, detail) in fonts that show them, or the report is refused
	// (pdffont): never printed as '?'.
	text := pdf.UnicodeTranslatorFromDescriptor("")
	fonts := pdffont.For(pdf)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont("Helvetica", "", 7)
		pdf.CellFormat(0, 4, text(fmt.Sprintf("Lot %s - page %d", p.Lot.ID, pdf.PageNo())), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 9, text("Lot "+p.Lot.ID+": release of account locks"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	utc := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
	}
	for _, kv := range [][2]string{
		{"Customer", p.Lot.Customer}, {"Reference", cmp.Or(p.Lot.Reference, "-")}, {"State", p.Lot.State},
		{"Opened", utc(p.Lot.CreatedAt) + " by " + p.Lot.CreatedBy}, {"Closed", closed(p.Lot, utc)},
		{"Report of", utc(r.Manifest.GeneratedAt)}, {"Signed by controller key", r.Manifest.Controller.KeyFingerprint},
	} {
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(45, 5, text(kv[0]), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		fonts.Cell(0, 5, kv[1], 1)
	}
	pdf.Ln(2)
	pdf.SetFont("Helvetica", "I", 9)
	pdf.MultiCell(0, 4.5, text(cert.ManifestStatement+" The manifest.json beside this report lists every certificate file "+
		"with its SHA-256 and is signed with the controller's key: check the pack with 'unbind cert verify --lot DIR'."), "", "L", false)
	pdf.Ln(2)

	// Counts.
	byOutcome, byKind := map[string]int{}, map[string]int{}
	for _, d := range p.Devices {
		byOutcome[Outcome(d)]++
		kinds := strings.Split(d.RiskKinds, ",")
		if d.RiskKinds == "" {
			kinds = []string{"none"}
		}
		for _, k := range kinds {
			byKind[k]++
		}
	}
	section(pdf, text, fmt.Sprintf("Summary: %d phones, %d certificates", len(p.Devices), len(p.Certificates)))
	countTable(pdf, text, "Release outcome", byOutcome)
	pdf.Ln(2)
	countTable(pdf, text, "Lock kind seen now", byKind)
	pdf.Ln(3)

	// Phones.
	section(pdf, text, "Phones")
	cols := []column{{"#", 10}, {"Device", 38}, {"Maker / model", 46}, {"Serial", 34}, {"IMEI", 32}, {"Outcome", 24},
		{"Evidence", 30}, {"Certificate", 59}}
	header(pdf, text, cols)
	for i, d := range p.Devices {
		doc, ok := r.Certificates[d.CertificateID]
		row(pdf, fonts, text, cols, header, []string{fmt.Sprint(i + 1), d.DeviceID, strings.TrimSpace(cmp.Or(d.Manufacturer, d.Brand) + " " + d.Model),
			cmp.Or(d.Serial, "-"), cmp.Or(d.IMEI, "-"), Outcome(d), Evidence(doc, ok), cmp.Or(d.CertificateID, "-")})
	}
	pdf.Ln(3)

	// Who did what, when.
	section(pdf, text, "Who did what, when (audit trail of the lot and its phones)")
	acols := []column{{"When (UTC)", 36}, {"Device", 38}, {"Who", 42}, {"Action", 34}, {"Detail", 123}}
	header(pdf, text, acols)
	for _, e := range p.Audit {
		row(pdf, fonts, text, acols, header, []string{e.At.UTC().Format("2006-01-02 15:04:05"), cmp.Or(e.DeviceID, "-"), e.Actor, e.Action, e.Detail})
	}
	if err := cmp.Or(fonts.Err(), pdf.Error()); err != nil {
		return fmt.Errorf("report of lot %s: %w", p.Lot.ID, err)
	}
	return pdf.Output(w)
}

func closed(l api.Lot, utc func(time.Time) string) string {
	if l.ClosedAt.IsZero() {
		return "open"
	}
	return utc(l.ClosedAt) + " by " + l.ClosedBy
}

type column struct {
	title string
	width float64
}

func section(pdf *fpdf.Fpdf, text func(string) string, title string) {
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 7, text(title), "", 1, "L", false, 0, "")
}

func countTable(pdf *fpdf.Fpdf, text func(string) string, title string, counts map[string]int) {
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(50, 5, text(title), "B", 0, "L", false, 0, "")
	pdf.CellFormat(20, 5, "Phones", "B", 1, "R", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		pdf.CellFormat(50, 5, text(k), "", 0, "L", false, 0, "")
		pdf.CellFormat(20, 5, fmt.Sprint(counts[k]), "", 1, "R", false, 0, "")
	}
}

func header(pdf *fpdf.Fpdf, text func(string) string, cols []column) {
	pdf.SetFont("Helvetica", "B", 8)
	for _, c := range cols {
		pdf.CellFormat(c.width, 5, text(c.title), "B", 0, "L", false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 7.5)
}

// row writes one table row, cutting each cell to its column; at a page
// break the header is repeated.
func row(pdf *fpdf.Fpdf, fonts *pdffont.Fonts, text func(string) string, cols []column, again func(*fpdf.Fpdf, func(string) string, []column), cells []string) {
	const h = 4.2
	_, pageH := pdf.GetPageSize()
	_, _, _, bottom := pdf.GetMargins()
	if pdf.GetY()+h > pageH-bottom {
		pdf.AddPage()
		again(pdf, text, cols)
	}
	for i, c := range cols {
		fonts.Cell(c.width, h, cells[i], 0)
	}
	pdf.Ln(-1)
}
