package phonecheck

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/protocol"
)

// JSON is one phone in --output json: the report as the agent would
// publish it, its verdict, and why it could not be read when it could not.
type JSON struct {
	protocol.Report
	Verdict  string `json:"verdict"`
	ADBState string `json:"adb_state,omitempty"`
	Error    string `json:"error,omitempty"`
}

// WriteJSON prints results as indented JSON: an array when all, else the
// first (and only) result as one object.
func WriteJSON(w io.Writer, results []Result, all bool) error {
	now := time.Now()
	out := make([]JSON, len(results))
	for i, s := range results {
		out[i] = JSON{Report: s.Report, Verdict: s.Verdict(), ADBState: s.ADBState}
		if s.Verdict() == VerdictError {
			out[i].Report = s.errorReport(now)
		}
		if s.Err != nil {
			out[i].Error = s.Err.Error()
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if all {
		return enc.Encode(out)
	}
	return enc.Encode(out[0])
}

// JSONFailure is what --output json prints when no phone could be looked
// at (adb missing, the phone list unreadable): verdict "error" and why.
type JSONFailure struct {
	Verdict string `json:"verdict"`
	Error   string `json:"error"`
}

// WriteJSONFailure prints err as an indented JSONFailure.
func WriteJSONFailure(w io.Writer, err error) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(JSONFailure{Verdict: VerdictError, Error: err.Error()})
}

// WriteTable prints one line per phone and a summary, for a bench.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, tableHeader)
	for _, s := range results {
		fmt.Fprintln(tw, tableLine(s))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeCounts(w, results)
}

const tableHeader = "SERIAL\tMODEL\tVERDICT\tRISKS"

// tableLine is a phone's line of the table, tab-separated.
func tableLine(s Result) string {
	verdict, detail := verdictWords(s), ""
	switch {
	case s.ADBState != "":
		verdict, detail = s.ADBState, adbStateHint(s.ADBState)
	case s.Err != nil:
		detail = "could not read the phone: " + android.Reason(s.Err)
	default:
		detail = riskKinds(s.Report)
	}
	return fmt.Sprintf("%s\t%s\t%s\t%s", s.Serial, orDash(model(s.Report.Device)), verdict, orDash(detail))
}

func writeCounts(w io.Writer, results []Result) error {
	counts := map[string]int{}
	for _, s := range results {
		counts[s.Verdict()]++
	}
	_, err := fmt.Fprintf(w, "%d phones: %d safe, %d not safe, %d could not tell, %d not checked\n",
		len(results), counts[string(protocol.VerdictSafe)], counts[string(protocol.VerdictAtRisk)],
		counts[string(protocol.VerdictUnknown)], counts[VerdictError])
	return err
}

// TableStream prints the bench table one phone at a time, as each is done
// (Line, fit for Options.Done), then a summary (Finish). Columns are fixed
// widths, since the table cannot wait for its longest cell.
type TableStream struct {
	w      io.Writer
	header bool
	err    error
}

// NewTableStream writes to w.
func NewTableStream(w io.Writer) *TableStream { return &TableStream{w: w} }

// streamWidths are the widths of the first three columns.
var streamWidths = []int{16, 20, 16}

// Line prints s's line at once (after the header, the first time). The
// first error sticks and is returned by Finish.
func (t *TableStream) Line(s Result) {
	if t.err != nil {
		return
	}
	if !t.header {
		t.header = true
		t.write(tableHeader)
	}
	t.write(tableLine(s))
}

func (t *TableStream) write(line string) {
	cells := strings.Split(line, "\t")
	var b strings.Builder
	for i, c := range cells {
		if i < len(streamWidths) && i < len(cells)-1 {
			fmt.Fprintf(&b, "%-*s", streamWidths[i]-1, c)
			b.WriteByte(' ')
			continue
		}
		b.WriteString(c)
	}
	b.WriteByte('\n')
	_, t.err = io.WriteString(t.w, b.String())
}

// Finish prints the summary under the streamed lines: the counts, then the
// phones of each verdict other than safe, sorted by serial.
func (t *TableStream) Finish(results []Result) error {
	if t.err != nil {
		return t.err
	}
	if err := writeCounts(t.w, results); err != nil {
		return err
	}
	for _, v := range []struct{ verdict, words string }{
		{string(protocol.VerdictAtRisk), "not safe"},
		{string(protocol.VerdictUnknown), "could not tell"},
		{VerdictError, "not checked"},
	} {
		var serials []string
		for _, s := range results {
			if s.Verdict() == v.verdict {
				serials = append(serials, s.Serial)
			}
		}
		if len(serials) == 0 {
			continue
		}
		slices.Sort(serials)
		if _, err := fmt.Fprintf(t.w, "  %s: %s\n", v.words, strings.Join(serials, ", ")); err != nil {
			return err
		}
	}
	return nil
}

func verdictWords(s Result) string {
	switch s.Verdict() {
	case string(protocol.VerdictSafe):
		return "safe"
	case string(protocol.VerdictAtRisk):
		return "NOT SAFE"
	case string(protocol.VerdictUnknown):
		return "could not tell"
	}
	return "error"
}

func adbStateHint(state string) string {
	switch state {
	case "unauthorized":
		return "accept the USB debugging prompt on the phone"
	case "offline":
		return "reconnect the cable or restart adb (adb kill-server)"
	}
	return "adb cannot use this phone"
}

// riskKinds lists the distinct kinds of a report's risks, in its order.
func riskKinds(r protocol.Report) string {
	return protocol.JoinRiskKinds(r.RiskKinds(), ",")
}

// WriteText explains one phone: the verdict, each risk with its evidence,
// and what to do about it.
func WriteText(w io.Writer, s Result) error {
	var b strings.Builder
	if s.Verdict() == VerdictError {
		fmt.Fprintf(&b, "Could not read %s (%s): treat it as NOT SAFE to reset.\n", Describe(s.Serial), android.Reason(s.Err))
		b.WriteString("What to do next:\n" +
			"  1. Check that the phone is connected, unlocked and has accepted USB debugging (adb devices).\n" +
			"  2. Run the check again.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	r := s.Report
	fmt.Fprintf(&b, "%s\n", identityLine(r.Device))
	switch r.Verdict() {
	case protocol.VerdictSafe:
		b.WriteString("SAFE to reset: every check answered and none found a lock.\n" +
			"What to do next: reset it from the phone's Settings (Factory reset / Erase all data).\n")
		if m, ok := protocol.MakerOf(r.Device); ok && m.Remote != "" {
			// Nothing on the phone shows a binding its maker keeps online.
			b.WriteString("Also: " + m.Remote + "\n")
		}
		_, err := io.WriteString(w, b.String())
		return err
	case protocol.VerdictAtRisk:
		b.WriteString("NOT SAFE to reset: it would ask for an owner's account after a factory reset.\n")
	default:
		b.WriteString("COULD NOT TELL whether it is safe to reset: some checks did not answer. Treat it as not safe.\n")
	}
	b.WriteString("\nWhy:\n")
	for _, risk := range r.Risks {
		fmt.Fprintf(&b, "  - %s: %s", risk.Kind, risk.Evidence)
		if risk.Account != "" {
			fmt.Fprintf(&b, "; account %s", risk.Account)
		}
		fmt.Fprintf(&b, " [check: %s]\n", risk.Check)
	}
	b.WriteString("\nWhat to do next:\n")
	for i, step := range nextSteps(r) {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, step)
	}
	b.WriteString("Then run the check again.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func identityLine(id protocol.Identity) string {
	parts := []string{orDash(model(id))}
	if id.Serial != "" {
		parts = append(parts, "serial "+id.Serial)
	}
	if id.AndroidVersion != "" {
		parts = append(parts, "Android "+id.AndroidVersion)
	}
	if id.VendorOS != "" {
		parts = append(parts, id.VendorOS)
	}
	return "Phone: " + strings.Join(parts, ", ")
}

// model names the phone as its box does: brand and model.
func model(id protocol.Identity) string {
	brand := id.Brand
	if brand == "" {
		brand = id.Manufacturer
	}
	return strings.TrimSpace(brand + " " + id.Model)
}

// nextSteps turns risks into what the person at the bench does, once each,
// in the lock catalogue's words; a maker's server-side binding, which
// nothing on the phone can prove gone, comes last.
func nextSteps(r protocol.Report) []string {
	var steps []string
	hasMi := r.HasRisk(protocol.RiskMiAccount)
	for _, risk := range r.Risks {
		step := nextStep(risk, hasMi)
		if step != "" && !slices.Contains(steps, step) {
			steps = append(steps, step)
		}
	}
	if m, ok := protocol.MakerOf(r.Device); ok && m.Remote != "" {
		steps = append(steps, m.Remote)
	}
	return steps
}

func nextStep(risk protocol.Risk, hasMi bool) string {
	if risk.Kind == protocol.RiskFindDevice && hasMi {
		return "" // signing out of the Mi account turns it off
	}
	if risk.Kind != protocol.RiskUnknown {
		l := protocol.LockOf(risk.Kind)
		if l.Remedy == protocol.RemedySignOut && risk.User != nil {
			return l.Action + onUser(risk.User) + ": " + l.Where
		}
		return l.Step()
	}
	on := onUser(risk.User)
	switch risk.Check {
	case android.CheckAccounts, android.CheckUsers, "accounts":
		return "Check the accounts by hand" + on + " in Settings > Accounts (on every user, work profile and second space); the agent could not read them. On a rooted phone, allow su for the shell and check again."
	case android.CheckFindDevice:
		return "Check by hand that Find Device is off: Settings > Mi Account > Find device."
	case android.CheckLostMode:
		return "Make sure the phone is not locked remotely (lost mode): ask the Mi account owner to check i.mi.com."
	case android.CheckDevicePolicy:
		return "Check by hand that no company manages the phone: Settings > Security > Device admin apps, and Settings > Accounts for a work profile."
	case android.CheckSetup:
		return "Check that the phone does not ask for a previous owner's Google account at setup; the agent could not read its reset protection state."
	case android.CheckAuthenticators:
		return "Check by hand which app provides the account" + on + " in Settings > Accounts; if it is the phone maker's, sign out of it."
	}
	for _, p := range agent.Probes {
		if p.Name == risk.Check {
			l := protocol.LockOf(p.Kind)
			return "Could not read " + p.Name + ": check by hand (" + l.Where + ")."
		}
	}
	return "Check " + risk.Check + " by hand; the agent could not verify it."
}

// onUser names the Android user a step applies to. Secondary users, work
// profiles, Secure Folder and second spaces each hold their own accounts.
func onUser(user *int) string {
	switch {
	case user == nil:
		return ""
	case *user == 0:
		return " of the owner (user 0)"
	}
	return fmt.Sprintf(" of user %d (switch to that user, profile or space first)", *user)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
