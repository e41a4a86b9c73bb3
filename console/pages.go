package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
)

// view is what every page's layout shows: who is signed in, the CSRF
// token its forms carry, and the open collection.
type view struct {
	Who        string
	Operator   bool
	CSRF       string
	Collection string
	GuildName  string
	Tab        string
	p          *principal
}

// page is a template's data: the layout's view and the page's own.
type page struct {
	V *view
	D any
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"score":    score,
	"pct":      func(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" },
	"join":     strings.Join,
	"linkable": linkable,
	"query":    url.QueryEscape,
	"path":     url.PathEscape,
	"add":      func(a, b int) int { return a + b },
	"dict":     dict,
}

// score writes a score or rate to four decimals; a rate without cases
// (a nil *float64, as eval reports give) is "n/a".
func score(v any) string {
	switch f := v.(type) {
	case float64:
		return strconv.FormatFloat(f, 'f', 4, 64)
	case *float64:
		if f != nil {
			return strconv.FormatFloat(*f, 'f', 4, 64)
		}
	}
	return "n/a"
}

// dict makes a map of its key, value arguments, to pass several values
// to a sub-template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: want key, value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// linkable reports whether a document source is a web address to link.
func linkable(src string) bool {
	u, err := url.Parse(src)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	pages := make(map[string]*template.Template)
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a page; data is the page's own (for "error", the message).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view, data any) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", page{V: v, D: data}); err != nil {
		s.log.ErrorContext(r.Context(), "console render", "page", name, "err", err)
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail logs err and shows a short message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *view, what string, err error) {
	s.log.ErrorContext(r.Context(), "console page", "page", what, "err", err)
	s.render(w, r, http.StatusInternalServerError, "error", v, "Could not "+what+"; see the server log.")
}

// collectionRow is one line of the collections page.
type collectionRow struct {
	store.CollectionInfo
	Guild string
}

func (s *Server) collectionsPage(w http.ResponseWriter, r *http.Request, v *view) {
	all, err := s.cfg.Library.Collections(r.Context())
	if err != nil {
		s.fail(w, r, v, "list collections", err)
		return
	}
	var rows []collectionRow
	if v.p.operator {
		for _, c := range all {
			rows = append(rows, collectionRow{CollectionInfo: c})
		}
	} else {
		byName := make(map[string]store.CollectionInfo, len(all))
		for _, c := range all {
			byName[c.Name] = c
		}
		for _, g := range v.p.guilds {
			if g.Manage {
				name := guildPrefix + g.ID
				info, ok := byName[name]
				if !ok {
					info = store.CollectionInfo{Name: name}
				}
				rows = append(rows, collectionRow{CollectionInfo: info, Guild: g.Name})
			}
		}
	}
	s.render(w, r, http.StatusOK, "collections", v, rows)
}

// docsPerPage is the documents page's length.
const docsPerPage = 50

type collectionData struct {
	Docs       []rag.DocumentInfo
	Sources    []store.Source
	Total      int
	Offset     int
	Prev, Next int
	HasPrev    bool
	HasNext    bool
	FirstShown int
	LastShown  int
}

func (s *Server) collectionPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Tab = "documents"
	off, _ := strconv.Atoi(r.FormValue("offset"))
	off = max(off, 0)
	docs, total, err := s.cfg.Library.Documents(r.Context(), v.Collection, off, docsPerPage)
	if err != nil {
		s.fail(w, r, v, "list documents", err)
		return
	}
	srcs, err := s.cfg.Library.SyncSources(r.Context(), v.Collection)
	if err != nil {
		s.fail(w, r, v, "list sources", err)
		return
	}
	d := collectionData{Docs: docs, Sources: srcs, Total: total, Offset: off, Prev: max(off-docsPerPage, 0), Next: off + docsPerPage,
		HasPrev: off > 0, HasNext: off+docsPerPage < total, FirstShown: off + 1, LastShown: off + len(docs)}
	s.render(w, r, http.StatusOK, "collection", v, d)
}

type documentData struct {
	Source, Title string
	Passages      []rag.Passage
}

func (s *Server) documentPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Tab = "documents"
	src := r.FormValue("source")
	ps, err := s.cfg.Library.DocumentPassages(r.Context(), v.Collection, src)
	if err != nil {
		s.fail(w, r, v, "read the document", err)
		return
	}
	if len(ps) == 0 {
		s.render(w, r, http.StatusNotFound, "error", v, "No document with that source in this collection.")
		return
	}
	s.render(w, r, http.StatusOK, "document", v, documentData{Source: src, Title: ps[0].Title, Passages: ps})
}

// Search box bounds.
const (
	defaultK = 10
	maxK     = 50
	maxQuery = 1000
)

type searchData struct {
	Query    string
	K        int
	Passages []rag.Passage
	Searched bool
	Error    string
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Tab = "search"
	d := searchData{Query: strings.TrimSpace(r.FormValue("q")), K: defaultK}
	if k, err := strconv.Atoi(r.FormValue("k")); err == nil {
		d.K = min(max(k, 1), maxK)
	}
	status := http.StatusOK
	switch {
	case d.Query == "":
	case len(d.Query) > maxQuery:
		d.Error, status = fmt.Sprintf("The query is longer than %d characters.", maxQuery), http.StatusBadRequest
	default:
		ps, err := s.cfg.Retriever.Retrieve(r.Context(), v.Collection, d.Query, d.K)
		if err != nil {
			s.fail(w, r, v, "search", err)
			return
		}
		d.Passages, d.Searched = ps, true
	}
	s.render(w, r, status, "search", v, d)
}
