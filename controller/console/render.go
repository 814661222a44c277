package console

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/unbind/unbind/controller"
)

// pageNames are the full pages; each is parsed with the layout and the
// shared partials. Fragments are partials rendered alone.
var pageNames = []string{"login", "link", "fleet", "phone", "person", "confirm", "confirm-reset", "releases", "bench", "error", "holds", "unlink", "lots", "lot"}

var funcs = template.FuncMap{
	"time":     timeElement,
	"stage":    stageWords,
	"evidence": evidenceWords,
	"waits":    waitsForReset,
	"tileData": func(t tile, canAct bool) tileData { return tileData{T: t, CanAct: canAct} },
	"deref":    func(p *int) int { return *p },
	"sub":      func(a, b int) int { return a - b },
}

func parsePages() map[string]*template.Template {
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
	}
	return pages
}

// pageData is what every page's template gets.
type pageData struct {
	Title string
	// Nav is the current section: fleet, releases or bench.
	Nav    string
	Op     controller.Operator
	CanAct bool
	CSRF   string
	Body   any
}

func (s *server) data(rq request, title, nav string, body any) pageData {
	return pageData{Title: title, Nav: nav, Op: rq.op, CanAct: rq.op.Role.Allows(controller.RoleOperator),
		CSRF: rq.sess.csrf, Body: body}
}

// render writes a page, or a partial when page is "" and name is set; it
// renders into a buffer first so that a failed render sends a clean 500.
func (s *server) render(w http.ResponseWriter, status int, page, name string, data any) {
	t := s.pages[page]
	if page == "" {
		t = s.pages["fleet"] // every set holds the partials
	} else {
		name = "layout.html"
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		s.log.Error("console: render", "page", page, "template", name, "err", err)
		http.Error(w, "cannot render this page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// fail shows an error page with a way back.
func (s *server) fail(w http.ResponseWriter, rq request, status int, msg string) {
	s.render(w, status, "error", "", s.data(rq, http.StatusText(status), "", msg))
}
