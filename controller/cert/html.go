package cert

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
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
	}{c.Doc, signatureOf(c.File)}); err != nil {
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
