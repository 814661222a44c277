package pdffont_test

import (
	"bytes"
	"testing"

	"codeberg.org/go-pdf/fpdf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/label/labeltest"
	"github.com/unbind/unbind/controller/pdffont"
)

// TestFontsShowNamesOrRefuse: each text is set in installed fonts that
// show every character, and reads back the same from the PDF; a text with
// a character no font shows is refused with the character named, and
// nothing of it is drawn.
func TestFontsShowNamesOrRefuse(t *testing.T) {
	labeltest.Need(t)
	tests := []struct {
		name, text string
		refused    bool
	}{
		{"latin", "Acme Refurb GmbH, Müller & Söhne", false},
		{"cyrillic", "Дмитрий Рефурбишинг", false},
		{"greek", "Ελληνικά κινητά", false},
		{"chinese model with latin", "小米 13 Ultra 红米", false},
		{"japanese", "株式会社リファービッシュ 2026", false},
		{"korean", "삼성 갤럭시 S23", false},
		{"cyrillic and chinese in one line", "Дмитрий 小米", false},
		{"emoji", "Phone 📱", true},
		{"private use", "Model \ue000", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pdf := fpdf.New("P", "mm", "A4", "")
			pdf.AddPage()
			pdf.SetFont("Helvetica", "B", 12)
			fonts := pdffont.For(pdf)
			fonts.Cell(0, 10, tc.text, 1)
			if tc.refused {
				require.ErrorIs(t, fonts.Err(), pdffont.ErrNoGlyph)
				assert.Contains(t, fonts.Err().Error(), "U+")
				return
			}
			require.NoError(t, fonts.Err())
			assert.Equal(t, "B", pdf.GetFontStyle(), "the style chosen with SetFont is kept")
			require.NoError(t, pdf.Error())
			var buf bytes.Buffer
			require.NoError(t, pdf.Output(&buf))
			assert.Contains(t, labeltest.Text(t, buf.Bytes()), tc.text)
		})
	}
}

// TestWrap: lines break between words, and a word wider than the line
// within it, each line no wider than asked.
func TestWrap(t *testing.T) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 10)
	fonts := pdffont.For(pdf)
	lines := fonts.Wrap("小米 Redmi Note 13 Pro+ 5G 超长的型号名称没有空格一直写下去", 30)
	require.Greater(t, len(lines), 2)
	for _, l := range lines {
		assert.LessOrEqual(t, fonts.Width(l), 30.0, "%q", l)
	}
	assert.Equal(t, []string{""}, fonts.Wrap("", 30))
	require.NoError(t, fonts.Err())
}
