package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// export answers GET /api/v1/export?format=csv|json&filter=TERMS&since=RFC3339:
// one row per phone (api.ExportRow).
func (s *server) export(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = api.ExportCSV
	}
	if format != api.ExportCSV && format != api.ExportJSON {
		writeError(w, http.StatusBadRequest, fmt.Errorf("format %q: want csv or json", format))
		return
	}
	sel, err := ParseSelection(q.Get("filter"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		if since, err = time.Parse(time.RFC3339Nano, v); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("since %q: want an RFC 3339 time", v))
			return
		}
	}
	rows, err := exportRows(r.Context(), s.c.Registry(), sel, since)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	name := "unbind-export-" + time.Now().UTC().Format("20060102T150405Z") + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if format == api.ExportJSON {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rows)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	_ = writeExportCSV(w, rows)
}

// exportRows builds the rows: the selected devices seen since since, each
// with its newest release and that release's certificate.
func exportRows(ctx context.Context, reg *registry.Store, sel Selection, since time.Time) ([]api.ExportRow, error) {
	devices, err := sel.Devices(ctx, reg)
	if err != nil {
		return nil, err
	}
	// Oldest first: the last one seen per device is its newest.
	releases, err := reg.Releases(ctx, registry.ReleaseFilter{})
	if err != nil {
		return nil, err
	}
	lots, err := reg.DeviceLots(ctx)
	if err != nil {
		return nil, err
	}
	newest := make(map[string]registry.ReleaseRecord, len(releases))
	for _, rel := range releases {
		newest[rel.DeviceID] = rel
	}
	rows := make([]api.ExportRow, 0, len(devices))
	for _, d := range devices {
		if !since.IsZero() && d.LastSeen.Before(since) {
			continue
		}
		row := api.ExportRow{
			DeviceID: d.ID, Serial: d.Identity.Serial, IMEI: d.Identity.IMEI, Manufacturer: d.Identity.Manufacturer,
			Model: d.Identity.Model, Verdict: d.Verdict, RiskKinds: []protocol.RiskKind{}, Online: d.Online, LastSeen: d.LastSeen,
			Lot: lots[d.ID],
		}
		if row.Verdict == "" {
			row.Verdict = protocol.VerdictUnknown // no report yet is never safe
		}
		if d.State != nil {
			row.RiskKinds = append(row.RiskKinds, d.State.RiskKinds()...)
		}
		if rel, ok := newest[d.ID]; ok {
			row.ReleaseID, row.ReleaseStage, row.ReleaseOutcome, row.ReleaseReason = rel.ID, rel.Stage, rel.Outcome, rel.Reason
			row.ReleaseStartedAt, row.ReleaseFinishedAt, row.Operator = rel.CreatedAt, rel.FinishedAt, rel.Operator
			if rel.Outcome == registry.OutcomeReleased {
				cert, err := reg.ReleaseCertificate(ctx, rel.ID)
				switch {
				case errors.Is(err, registry.ErrNotFound):
				case err != nil:
					return nil, err
				default:
					sum := sha256.Sum256(cert.Document)
					row.CertificateID, row.CertificateSHA256 = cert.ID, hex.EncodeToString(sum[:])
				}
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// writeExportCSV writes rows as RFC 4180 CSV with a header line
// (api.ExportColumns), every cell neutralised against formula injection.
func writeExportCSV(w io.Writer, rows []api.ExportRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(api.ExportColumns); err != nil {
		return err
	}
	for _, r := range rows {
		kinds := make([]string, len(r.RiskKinds))
		for i, k := range r.RiskKinds {
			kinds[i] = string(k)
		}
		cells := []string{r.DeviceID, r.Serial, r.IMEI, r.Manufacturer, r.Model, string(r.Verdict), strings.Join(kinds, ";"),
			strconv.FormatBool(r.Online), csvTime(r.LastSeen), r.ReleaseID, r.ReleaseStage, r.ReleaseOutcome, r.ReleaseReason,
			csvTime(r.ReleaseStartedAt), csvTime(r.ReleaseFinishedAt), r.Operator, r.CertificateID, r.CertificateSHA256, r.Lot}
		for i, c := range cells {
			cells[i] = neutraliseCell(c)
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// neutraliseCell keeps a spreadsheet from reading a cell as a formula: a
// cell that starts with =, +, -, @ (or their fullwidth forms ＝ ＋ － ＠,
// which some spreadsheets fold to ASCII), or with any space or control
// character (a spreadsheet may skip those before the formula: " =1",
// "\n=1") gets a leading single quote, which spreadsheets show as text.
// Other cells are returned unchanged. Only CSV needs this; JSON carries the
// values as they are.
func neutraliseCell(s string) string {
	if startsFormula(s) {
		return "'" + s
	}
	return s
}

// startsFormula reports whether a spreadsheet might read s as a formula.
func startsFormula(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	switch {
	case s == "":
		return false
	case strings.ContainsRune("=+-@＝＋－＠", r):
		return true
	default:
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}
}
