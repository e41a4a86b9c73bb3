package source

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRobots(t *testing.T) {
	const txt = `# comment
User-agent: *
Disallow: /

User-agent: Googlebot
User-agent: citebot
Disallow: /private/
Allow: /private/open
Disallow: /*.pdf$
Disallow: /tmp*/x
Crawl-delay: 1.5
Sitemap: https://example.com/sitemap-a.xml
`
	r := parseRobots([]byte(txt))
	tests := []struct {
		path string
		want bool
	}{
		{"/", true},
		{"/docs/page", true},
		{"/private/", false},
		{"/private/secret", false},
		{"/private/open", true},
		{"/private/open/more", true},
		{"/files/a.pdf", false},
		{"/files/a.pdf?x=1", true},
		{"/tmp123/x", false},
		{"/tmp/y", true},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			if got := r.allowed(tc.path); got != tc.want {
				t.Errorf("allowed(%q) = %v, want %v", tc.path, got, tc.want)
			}
		})
	}
	if r.delay != 1500*time.Millisecond {
		t.Errorf("delay = %v", r.delay)
	}
	if diff := cmp.Diff([]string{"https://example.com/sitemap-a.xml"}, r.sitemaps); diff != "" {
		t.Errorf("sitemaps (-want +got):\n%s", diff)
	}
	t.Run("the * group applies when citebot has none", func(t *testing.T) {
		r := parseRobots([]byte("User-agent: *\nDisallow: /admin\n"))
		if r.allowed("/admin/x") || !r.allowed("/docs") {
			t.Errorf("rules = %+v", r.rules)
		}
	})
	t.Run("an empty Disallow allows everything", func(t *testing.T) {
		if r := parseRobots([]byte("User-agent: *\nDisallow:\n")); !r.allowed("/any") {
			t.Errorf("rules = %+v", r.rules)
		}
	})
}

func TestNormalize(t *testing.T) {
	base, _ := url.Parse("https://Example.COM:443/docs/guide/index.html")
	tests := []struct{ href, want string }{
		{"page#section", "https://example.com/docs/guide/page"},
		{"../other/", "https://example.com/docs/other/"},
		{"./a/../b?q=1", "https://example.com/docs/guide/b?q=1"},
		{"http://example.com:80", "http://example.com/"},
		{"https://user:pw@example.com/x", "https://example.com/x"},
		{"mailto:someone@example.com", ""},
		{"javascript:void(0)", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.href, func(t *testing.T) {
			if got := resolve(base, tc.href); got != tc.want {
				t.Errorf("resolve(%q) = %q, want %q", tc.href, got, tc.want)
			}
		})
	}
}

func TestExtractLinks(t *testing.T) {
	base, _ := url.Parse("https://example.com/docs/")
	page := `<html><head><link rel="canonical" href="/docs/main"><meta name="robots" content="noindex"></head>
<body><a href="a">A</a><a href="b" rel="nofollow">B</a><a href="https://other.org/c">C</a></body></html>`
	got := extractLinks(base, []byte(page))
	want := pageLinks{links: []string{"https://example.com/docs/a", "https://other.org/c"},
		canonical: "https://example.com/docs/main", noindex: true}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(pageLinks{})); diff != "" {
		t.Errorf("extractLinks (-want +got):\n%s", diff)
	}
}

func TestParseSitemap(t *testing.T) {
	tests := []struct {
		name          string
		data          string
		pages, nested []string
		ok            bool
	}{
		{"urlset", `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://e.com/a </loc></url><url><loc>https://e.com/b</loc></url></urlset>`,
			[]string{"https://e.com/a", "https://e.com/b"}, nil, true},
		{"index", `<sitemapindex><sitemap><loc>https://e.com/s1.xml</loc></sitemap></sitemapindex>`,
			nil, []string{"https://e.com/s1.xml"}, true},
		{"html is no sitemap", `<html><body>not found</body></html>`, nil, nil, false},
		{"garbage", `{"json": true}`, nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, nested, ok := parseSitemap([]byte(tc.data))
			if ok != tc.ok || !cmp.Equal(pages, tc.pages) || !cmp.Equal(nested, tc.nested) {
				t.Errorf("parseSitemap = %v, %v, %v; want %v, %v, %v", pages, nested, ok, tc.pages, tc.nested, tc.ok)
			}
		})
	}
}
