package source_test

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

// site is a test web site whose pages can change or vanish between
// syncs. Every page has an ETag and answers 304 to a matching
// If-None-Match; it counts full responses and 304s per path.
type site struct {
	mu        sync.Mutex
	pages     map[string]string
	redirects map[string]string
	gone      map[string]bool
	robots    string
	sitemap   string
	full      map[string]int
	notMod    map[string]int
}

func newSite(pages map[string]string) *site {
	return &site{pages: pages, redirects: map[string]string{}, gone: map[string]bool{},
		full: map[string]int{}, notMod: map[string]int{}}
}

// html is a page with a title, a paragraph and links.
func html(title, text string, links ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p>", title, title, text)
	for _, l := range links {
		fmt.Fprintf(&b, `<a href="%s">link</a> `, l)
	}
	return b.String() + "</body></html>"
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := r.URL.Path
	body, ok := s.pages[p]
	redirect, isRedirect := s.redirects[p]
	switch {
	case p == "/robots.txt":
		body, ok = s.robots, s.robots != ""
	case p == "/sitemap.xml":
		body, ok = s.sitemap, s.sitemap != ""
	case s.gone[p]:
		ok = false
	}
	s.mu.Unlock()
	switch {
	case p == "/docs/slow":
		select { // longer than the fetch timeout
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
		return
	case isRedirect:
		http.Redirect(w, r, redirect, http.StatusMovedPermanently)
		return
	case !ok:
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(body)))
	w.Header().Set("ETag", etag)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("If-None-Match") == etag {
		s.notMod[p]++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.full[p]++
	if strings.HasSuffix(p, ".txt") || strings.HasSuffix(p, ".xml") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	fmt.Fprint(w, body)
}

func (s *site) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = body
}

func (s *site) vanish(path string, gone bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone[path] = gone
}

// fetches returns and resets the full and 304 responses per path.
func (s *site) fetches() (full, notModified map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	full, notModified = s.full, s.notMod
	s.full, s.notMod = map[string]int{}, map[string]int{}
	return full, notModified
}

// linkedSite has no sitemap: links, a loop, a redirect, a duplicate, a
// canonical link, a fragment, robots.txt rules, a slow page, a page out
// of scope and a chain deeper than the crawl depth.
func linkedSite() *site {
	s := newSite(map[string]string{
		"/docs/":          html("Index", "The handbook index.", "a", "b#part", "loop1", "old", "dup", "c?ref=nav", "moved", "secret", "private/x", "slow", "/outside", "deep1"),
		"/docs/a":         html("Parking", "Visitors park in the north lot.", "b"),
		"/docs/b":         html("Expenses", "Receipts are due within thirty days.", "a"),
		"/docs/loop1":     html("Loop one", "First page of a loop.", "loop2"),
		"/docs/loop2":     html("Loop two", "Second page of a loop.", "loop1"),
		"/docs/dup":       html("Parking", "Visitors park in the north lot.", "b"),
		"/docs/moved":     html("Moved", "This page moved here."),
		"/docs/c":         `<html><head><title>Canonical</title><link rel="canonical" href="/docs/c"></head><body><p>Canonical page about lunch hours.</p></body></html>`,
		"/docs/secret":    html("Secret", "Citebot must not read this."),
		"/docs/private/x": html("Private", "No robot may read this."),
		"/docs/deep1":     html("Deep one", "One level down.", "deep2"),
		"/docs/deep2":     html("Deep two", "Two levels down.", "deep3"),
		"/docs/deep3":     html("Deep three", "Three levels down, past the depth."),
		"/outside":        html("Outside", "Not under the start path."),
	})
	s.redirects["/docs/old"] = "/docs/moved"
	s.robots = "User-agent: *\nDisallow: /docs/private/\n\nUser-agent: citebot\nDisallow: /docs/secret\nDisallow: /docs/private/\n"
	return s
}

func TestCrawlLinkedSite(t *testing.T) {
	site := linkedSite()
	srv := httptest.NewServer(site)
	defer srv.Close()
	r, s := newRunner(t, source.Config{})
	ctx := t.Context()
	spec := source.Spec{Kind: store.SourceKindCrawl, Location: srv.URL + "/docs/", Crawl: source.CrawlOptions{Depth: 2}}

	sum, err := r.Add(ctx, "site", []source.Spec{spec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/docs/", "/docs/a", "/docs/b", "/docs/c", "/docs/deep1", "/docs/deep2", "/docs/loop1", "/docs/loop2", "/docs/moved"}
	for i := range want {
		want[i] = srv.URL + want[i]
	}
	t.Run("first crawl stores each page once under its canonical URL", func(t *testing.T) {
		if diff := cmp.Diff(want, documents(t, s, "site")); diff != "" {
			t.Errorf("documents (-want +got):\n%s", diff)
		}
		if got, w := countsOf(sum), (counts{Added: 9, Failed: 1}); got != w {
			t.Errorf("summary = %+v, want %+v (%+v)", got, w, sum.Sources)
		}
		if f := sum.Sources[0].Failures; len(f) != 1 || !strings.HasSuffix(f[0].Source, "/docs/slow") {
			t.Errorf("failures = %+v, want the slow page", f)
		}
	})
	full, _ := site.fetches()
	t.Run("robots.txt, scope and depth are honoured", func(t *testing.T) {
		for _, p := range []string{"/docs/secret", "/docs/private/x", "/outside", "/docs/deep3"} {
			if full[p] > 0 {
				t.Errorf("%s was fetched", p)
			}
		}
		for p, n := range full {
			if n > 1 {
				t.Errorf("%s fetched %d times in one crawl", p, n)
			}
		}
	})

	t.Run("an unchanged site costs one 304 per page", func(t *testing.T) {
		sum, err := r.Sync(ctx, "site", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, w := countsOf(sum), (counts{Unchanged: 9, Failed: 1}); got != w {
			t.Errorf("summary = %+v, want %+v", got, w)
		}
		full, notMod := site.fetches()
		delete(full, "/robots.txt")
		if len(full) != 0 {
			t.Errorf("full responses on an unchanged re-sync: %v", full)
		}
		if notMod["/docs/a"] != 1 || notMod["/docs/loop2"] != 1 {
			t.Errorf("304s = %v", notMod)
		}
	})

	t.Run("a changed page is replaced", func(t *testing.T) {
		site.set("/docs/a", html("Parking", "Visitors now park in the south garage.", "b"))
		sum, err := r.Sync(ctx, "site", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, w := countsOf(sum), (counts{Changed: 1, Unchanged: 8, Failed: 1}); got != w {
			t.Errorf("summary = %+v, want %+v", got, w)
		}
	})

	t.Run("a page that vanishes is kept after one failed sync, pruned after two", func(t *testing.T) {
		site.vanish("/docs/b", true)
		sum, err := r.Sync(ctx, "site", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, w := countsOf(sum), (counts{Unchanged: 8, Failed: 2}); got != w {
			t.Errorf("first failure: summary = %+v, want %+v", got, w)
		}
		if diff := cmp.Diff(want, documents(t, s, "site")); diff != "" {
			t.Errorf("after one failure (-want +got):\n%s", diff)
		}
		site.vanish("/docs/b", false)
		if sum, err = r.Sync(ctx, "site", nil); err != nil || sum.Removed != 0 {
			t.Fatalf("back again: %+v, %v", countsOf(sum), err)
		}
		site.vanish("/docs/b", true)
		for i := range 2 {
			if sum, err = r.Sync(ctx, "site", nil); err != nil {
				t.Fatal(err)
			}
			if wantRemoved := i; sum.Removed != wantRemoved {
				t.Errorf("failure %d: removed %d, want %d", i+1, sum.Removed, wantRemoved)
			}
		}
		if docs := documents(t, s, "site"); len(docs) != 8 || strings.Contains(strings.Join(docs, " "), "/docs/b") {
			t.Errorf("after two failures: %v", docs)
		}
	})
}

func TestCrawlSitemap(t *testing.T) {
	site := newSite(map[string]string{
		"/kb/":       html("KB", "Knowledge base start.", "linked"),
		"/kb/one":    html("One", "Listed in the sitemap."),
		"/kb/two":    html("Two", "Also listed, linked from nowhere."),
		"/kb/linked": html("Linked", "Linked but not in the sitemap."),
		"/other/x":   html("Other", "Listed but outside the start path."),
	})
	srv := httptest.NewServer(site)
	defer srv.Close()
	site.sitemap = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>` + srv.URL + `/kb/one</loc></url><url><loc>` + srv.URL + `/kb/two#top</loc></url>
<url><loc>` + srv.URL + `/other/x</loc></url></urlset>`
	r, s := newRunner(t, source.Config{})
	spec := source.Spec{Kind: store.SourceKindCrawl, Location: srv.URL + "/kb/"}
	var events []string
	progress := func(p source.Progress) { events = append(events, fmt.Sprintf("%d/%d %s", p.Done, p.Total, p.Page)) }
	if _, err := r.Add(t.Context(), "kb", []source.Spec{spec}, progress); err != nil {
		t.Fatal(err)
	}
	want := []string{srv.URL + "/kb/", srv.URL + "/kb/one", srv.URL + "/kb/two"}
	if diff := cmp.Diff(want, documents(t, s, "kb")); diff != "" {
		t.Errorf("documents (-want +got):\n%s", diff)
	}
	wantEvents := []string{"0/1 " + want[0], "0/1 " + want[1], "0/1 " + want[2], "1/1 "}
	if diff := cmp.Diff(wantEvents, events); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

func TestCrawlMaxPages(t *testing.T) {
	site := linkedSite()
	srv := httptest.NewServer(site)
	defer srv.Close()
	r, s := newRunner(t, source.Config{})
	spec := source.Spec{Kind: store.SourceKindCrawl, Location: srv.URL + "/docs/", Crawl: source.CrawlOptions{MaxPages: 3}}
	if _, err := r.Add(t.Context(), "cap", []source.Spec{spec}, nil); err != nil {
		t.Fatal(err)
	}
	full, _ := site.fetches()
	delete(full, "/robots.txt")
	delete(full, "/sitemap.xml")
	if got := len(documents(t, s, "cap")); got != 3 || len(full) > 3 {
		t.Errorf("stored %d documents after fetching %v; want 3 of at most 3 pages", got, full)
	}
}

func TestURLSource(t *testing.T) {
	site := linkedSite()
	srv := httptest.NewServer(site)
	defer srv.Close()
	r, s := newRunner(t, source.Config{})
	ctx := t.Context()
	spec := source.Spec{Kind: store.SourceKindURL, Location: srv.URL + "/docs/old"}
	sum, err := r.Add(ctx, "one", []source.Spec{spec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a redirected URL is stored where it landed, and nothing else is fetched", func(t *testing.T) {
		if diff := cmp.Diff([]string{srv.URL + "/docs/moved"}, documents(t, s, "one")); diff != "" || sum.Added != 1 {
			t.Errorf("documents (-want +got):\n%s; summary %+v", diff, countsOf(sum))
		}
		if full, _ := site.fetches(); len(full) != 1 {
			t.Errorf("fetched %v, want only the page", full)
		}
		if docs, _, err := s.Documents(ctx, "one", 0, 10); err != nil || len(docs) != 1 || docs[0].SyncedAt.IsZero() {
			t.Errorf("Documents = %+v, %v; want the sync time", docs, err)
		}
	})
	t.Run("a sync of an unchanged page is one 304", func(t *testing.T) {
		sum, err := r.Sync(ctx, "one", nil)
		if err != nil || countsOf(sum) != (counts{Unchanged: 1}) {
			t.Fatalf("sync = %+v, %v", countsOf(sum), err)
		}
		if full, notMod := site.fetches(); len(full) != 0 || notMod["/docs/moved"] != 1 {
			t.Errorf("full %v, 304s %v", full, notMod)
		}
	})
}

func TestPrivateAddressRefused(t *testing.T) {
	srv := httptest.NewServer(linkedSite())
	defer srv.Close()
	s := newRunnerStore(t)
	r := source.New(s, nil, source.Config{})
	sum, err := r.Add(t.Context(), "priv", []source.Spec{{Kind: store.SourceKindCrawl, Location: srv.URL + "/docs/"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 1 || !strings.Contains(sum.Sources[0].Failures[0].Err, "forbidden address") {
		t.Errorf("summary = %+v, want the forbidden address reported", sum.Sources)
	}
}
