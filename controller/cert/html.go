package cert

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
	"time"
)

//go:embed certificate.html.tmpl
var pageSource string

// page escapes every value it prints: model names and operator names come
// from phones and people and may hold markup.
var page = template.Must(template.New("certificate").Funcs(template.FuncMap{
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format(time.RFC3339)
	},
}).Parse(pageSource))

// HTML renders a certificate as one printable, self-contained page: inline
// CSS, no scripts, nothing fetched.
func HTML(c SignedCertificate) ([]byte, error) {
	var b bytes.Buffer
	if err := page.Execute(&b, struct {
		Doc       Document
		Signature string
		Claim     string
	}{c.Doc, signatureOf(c.File), Claim(c.Doc)}); err != nil {
		return nil, fmt.Errorf("render certificate %s: %w", c.Doc.ID, err)
	}
	return b.Bytes(), nil
}

// signatureOf is shown on the page so a printed copy can be matched to its
// file; an unreadable file shows none.
func signatureOf(file []byte) string {
	env, err := readEnvelope(file)
	if err != nil {
		return ""
	}
	return env.Signature
}

// Claim is what a certificate states, worded by the evidence it rests on:
// which check found the phone free of locks (the agent's own check right
// before the reset, or only the last report before it was sent) and who saw
// the reset (the agent seeing the wipe start, or an operator's word).
func Claim(d Document) string {
	checked := "checked free of account and anti-theft locks in its last report before the reset was sent " +
		"(its agent's own check right before the reset was not recorded)"
	if f := d.FinalCheck; f != nil {
		checked = "checked free of account and anti-theft locks by its agent right before the reset (" +
			f.CheckedAt.UTC().Format(time.RFC3339) + " by the phone's clock)"
	}
	reset := "its agent reported the reset (" + d.Reset.Method + ")"
	// The strongest evidence speaks: the phone seen clean after the reset,
	// then the wipe seen starting, then an operator's word.
	for _, kind := range []string{"seen_clean_after_reset", "wipe_started", "operator_confirmed"} {
		e, ok := evidenceOf(d.Evidence, kind)
		if !ok {
			continue
		}
		switch kind {
		case "seen_clean_after_reset":
			reset = "it was seen again after the reset, clean: no account and no reset protection (" +
				strings.TrimPrefix(e.Source, "agent: ") + ")"
		case "operator_confirmed":
			reset = "operator " + strings.TrimPrefix(e.Source, "operator:") +
				" stated that it then showed the first-boot setup screen; its agent did not see the wipe start"
		default:
			reset = "its agent saw the wipe start (" + strings.TrimPrefix(e.Source, "agent: ") + ")"
		}
		break
	}
	return "This phone was " + checked + ", and then factory reset: " + reset + "."
}

func evidenceOf(evs []Evidence, kind string) (Evidence, bool) {
	for _, e := range evs {
		if e.Kind == kind {
			return e, true
		}
	}
	return Evidence{}, false
}
