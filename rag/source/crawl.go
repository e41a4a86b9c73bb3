package source

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
)

// CrawlOptions bound a crawl; they are stored with the source as JSON.
type CrawlOptions struct {
	// Depth is how many links away from the start page the crawl goes
	// when the site has no sitemap; 0 means the default, 2, and a
	// negative depth the start page alone.
	Depth int `json:"depth"`
	// MaxPages caps the pages fetched in one crawl; default 500.
	MaxPages int `json:"max_pages"`
	// Delay is the pause between two requests to the site; robots.txt's
	// Crawl-delay lengthens it.
	Delay time.Duration `json:"delay_ns"`
}

// Crawl defaults, used when the matching CrawlOptions field is zero.
const (
	DefaultDepth    = 2
	DefaultMaxPages = 500
	// maxSitemaps caps the sitemap files read (an index and its children).
	maxSitemaps = 10
	// maxCrawlDelay caps a robots.txt Crawl-delay.
	maxCrawlDelay = 30 * time.Second
)

func (o CrawlOptions) withDefaults() CrawlOptions {
	if o.Depth == 0 {
		o.Depth = DefaultDepth
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	return o
}

// page is the outcome of fetching one URL of a crawl.
type page struct {
	key         string
	item        store.SourceItem // as it should be stored after this fetch
	doc         *loader.Document // nil when not modified or an alias
	notModified bool
	// alias marks a page stored as no document of its own: the same
	// canonical URL or bytes as another page, or marked noindex.
	alias bool
	err   error
}

// crawler walks one site.
type crawler struct {
	start  *url.URL
	scope  string // path prefix the crawl stays under
	opts   CrawlOptions
	single bool // one page: no robots.txt, no sitemap, no links
	load   loader.Options
	robots *robots
	delay  time.Duration
	hosts  *hosts
	pages  int
	// creds are the start URL's credentials (user info and token-like
	// query parameters), sent with every request to the start's host and
	// kept out of every URL the crawl records.
	creds credentials
}

type queued struct {
	url   string
	depth int
}

func newCrawler(start string, opts CrawlOptions, single bool, load loader.Options, h *hosts) (*crawler, error) {
	creds, start := splitCredentials(start)
	u, err := url.Parse(start)
	if err != nil || normalize(u) == "" {
		return nil, fmt.Errorf("crawl %s: not an http(s) URL", start)
	}
	u, _ = url.Parse(normalize(u))
	scope := u.Path[:strings.LastIndex(u.Path, "/")+1]
	if single {
		opts = CrawlOptions{Depth: -1, MaxPages: 1}
	}
	return &crawler{start: u, scope: scope, opts: opts.withDefaults(), single: single, load: load,
		robots: &robots{}, delay: opts.Delay, hosts: h, creds: creds}, nil
}

// crawl fetches the site's pages, known ones with their validators, and
// calls visit for each page fetched. It returns early only when ctx ends.
func (c *crawler) crawl(ctx context.Context, known map[string]store.SourceItem, visit func(page)) error {
	queue := c.seed(ctx, known)
	seenKey, seenDoc := map[string]bool{}, map[string]bool{}
	for len(queue) > 0 && ctx.Err() == nil && c.pages < c.opts.MaxPages {
		q := queue[0]
		queue = queue[1:]
		if seenKey[q.url] || !c.robots.allowed(pathQuery(q.url)) {
			continue
		}
		seenKey[q.url] = true
		p, links := c.fetchPage(ctx, q.url, known[q.url], seenKey, seenDoc)
		visit(p)
		if q.depth >= c.opts.Depth {
			continue
		}
		for _, l := range links {
			if c.inScope(l) && !seenKey[l] {
				queue = append(queue, queued{l, q.depth + 1})
			}
		}
	}
	return ctx.Err()
}

// seed reads robots.txt and the sitemap and returns the first queue: the
// start page, the sitemap's pages (not followed further) and every page
// known from earlier crawls.
func (c *crawler) seed(ctx context.Context, known map[string]store.SourceItem) []queued {
	queue := []queued{{c.start.String(), 0}}
	if !c.single {
		c.readRobots(ctx)
		for _, u := range c.readSitemaps(ctx) {
			queue = append(queue, queued{u, c.opts.Depth})
		}
		if len(queue) > 1 {
			queue[0].depth = c.opts.Depth
		}
	}
	for key := range known {
		queue = append(queue, queued{key, c.opts.Depth})
	}
	return queue
}

func (c *crawler) readRobots(ctx context.Context) {
	p, err := c.get(ctx, c.siteURL("/robots.txt"))
	if err != nil || p.NotModified {
		return // no robots.txt: everything is allowed
	}
	c.robots = parseRobots(p.Body)
	c.delay = max(c.delay, min(c.robots.delay, maxCrawlDelay))
}

// readSitemaps returns the in-scope pages of the site's sitemaps: those
// robots.txt names, else /sitemap.xml, following sitemap indexes.
func (c *crawler) readSitemaps(ctx context.Context) []string {
	todo := []string{c.siteURL("/sitemap.xml")}
	if len(c.robots.sitemaps) > 0 {
		todo = c.robots.sitemaps
	}
	var pages []string
	for read := 0; len(todo) > 0 && read < maxSitemaps; read++ {
		u := resolve(c.start, todo[0])
		todo = todo[1:]
		if u == "" || !c.sameSite(u) {
			continue
		}
		p, err := c.get(ctx, u)
		if err != nil || p.NotModified {
			continue
		}
		found, nested, ok := parseSitemap(p.Body)
		if !ok {
			continue
		}
		todo = append(todo, nested...)
		for _, f := range found {
			if n := resolve(c.start, f); n != "" && c.inScope(n) {
				pages = append(pages, n)
			}
		}
	}
	return pages
}

// fetchPage fetches one page with its stored validators and returns what
// to store, if anything, and the links to follow.
func (c *crawler) fetchPage(ctx context.Context, key string, old store.SourceItem, seenKey, seenDoc map[string]bool) (page, []string) {
	c.pages++
	p, err := c.getWith(ctx, key, loader.Validators{ETag: old.ETag, LastModified: old.LastModified})
	switch {
	case err != nil:
		return page{key: key, err: err}, nil
	case p.NotModified && old.ETag == "" && old.LastModified == "":
		return page{key: key, err: fmt.Errorf("fetch %s: 304 to an unconditional request", key)}, nil
	case p.NotModified:
		seenKey[normalize(p.URL)], seenDoc[old.ContentHash] = true, true
		if old.Document != "" {
			seenKey[old.Document], seenDoc[old.Document] = true, true
		}
		return page{key: key, item: old, notModified: true, alias: old.Document == ""}, old.Links
	}
	final := normalize(p.URL)
	if !c.sameSite(final) {
		return page{key: key, err: fmt.Errorf("fetch %s: redirected off the site to %s", key, final)}, nil
	}
	seenKey[final] = true
	var pl pageLinks
	if isHTML(p) {
		pl = extractLinks(p.URL, p.Body)
	}
	if pl.nofollow {
		pl.links = nil
	}
	docSrc := final
	if pl.canonical != "" && c.sameSite(pl.canonical) {
		docSrc = pl.canonical
	}
	item := store.SourceItem{Key: key, Document: docSrc, ContentHash: fmt.Sprintf("sha256:%x", sha256.Sum256(p.Body)),
		ETag: p.Validators.ETag, LastModified: p.Validators.LastModified, Links: pl.links}
	if pl.noindex || seenDoc[docSrc] || seenDoc[item.ContentHash] {
		item.Document = "" // not for the index, or the same page again
		return page{key: key, item: item, alias: true}, pl.links
	}
	seenDoc[docSrc], seenDoc[item.ContentHash] = true, true
	doc, err := p.Document(ctx, docSrc, c.load)
	if err != nil {
		return page{key: key, err: err}, pl.links
	}
	return page{key: key, item: item, doc: doc}, pl.links
}

func (c *crawler) get(ctx context.Context, u string) (*loader.Page, error) {
	return c.getWith(ctx, u, loader.Validators{})
}

// getWith fetches when it is the host's turn (see hosts).
func (c *crawler) getWith(ctx context.Context, u string, v loader.Validators) (*loader.Page, error) {
	var p *loader.Page
	err := c.hosts.do(ctx, c.start.Host, c.delay, func() error {
		var err error
		p, err = loader.Fetch(ctx, c.creds.add(u, c.start.Host), v, c.load)
		return err
	})
	return p, err
}

func (c *crawler) siteURL(p string) string {
	return (&url.URL{Scheme: c.start.Scheme, Host: c.start.Host, Path: p}).String()
}

// sameSite reports whether u is on the start page's host.
func (c *crawler) sameSite(u string) bool {
	p, err := url.Parse(u)
	return err == nil && u != "" && strings.EqualFold(p.Host, c.start.Host)
}

// inScope reports whether u is on the site, under the start path.
func (c *crawler) inScope(u string) bool {
	p, err := url.Parse(u)
	return err == nil && c.sameSite(u) && strings.HasPrefix(p.Path, c.scope)
}

func pathQuery(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "/"
	}
	return p.RequestURI()
}

func isHTML(p *loader.Page) bool {
	ct := strings.ToLower(p.ContentType)
	if ct == "" {
		ct = http.DetectContentType(p.Body)
	}
	return strings.Contains(ct, "html")
}
