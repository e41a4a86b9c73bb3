package source

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
)

// fetchSettings are what a source keeps in its options beside a crawl's
// settings: the location with its credentials, when it had any. The
// source's Location, which is listed, logged and shown in the console,
// never holds them.
type fetchSettings struct {
	FetchURL string `json:"fetch_url,omitempty"`
}

// storedOptions are a source's options as stored: a crawl's settings
// and the fetch settings side by side in one JSON object.
type storedOptions struct {
	*CrawlOptions
	fetchSettings
}

// splitLocation returns what a source is stored and shown as (user info
// and token-like query parameters removed) and, when that differs, the
// location as given, which is the one fetched.
func splitLocation(kind, location string) (shown, fetch string) {
	if kind != store.SourceKindURL && kind != store.SourceKindCrawl && kind != store.SourceKindGit {
		return location, ""
	}
	prefix := ""
	if kind == store.SourceKindGit && strings.HasPrefix(location, gitPrefix) {
		prefix = gitPrefix
	}
	shown = prefix + loader.CleanURL(strings.TrimPrefix(location, prefix))
	if shown == location {
		return location, ""
	}
	return shown, location
}

// sourceOptions encodes a spec's options: its crawl settings (crawls
// only) and the location to fetch when it carries credentials.
func sourceOptions(sp Spec, fetch string) (json.RawMessage, error) {
	var o storedOptions
	if sp.Kind == store.SourceKindCrawl {
		crawl := sp.Crawl
		o.CrawlOptions = &crawl
	}
	o.FetchURL = fetch
	if o.CrawlOptions == nil && fetch == "" {
		return nil, nil
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("source options: %w", err)
	}
	return b, nil
}

// fetchLocation is the location a sync reads: the one with credentials
// kept in the options when there is one, else the shown location.
func fetchLocation(src store.Source) string {
	var f fetchSettings
	if len(src.Options) > 0 && json.Unmarshal(src.Options, &f) == nil && f.FetchURL != "" {
		return f.FetchURL
	}
	return src.Location
}

// credentials are what a start URL carried beside its address: user info
// and token-like query parameters.
type credentials struct {
	user  *url.Userinfo
	query []string // "name=value" pairs as given
}

// splitCredentials returns the credentials of raw and raw without them.
func splitCredentials(raw string) (credentials, string) {
	clean := loader.CleanURL(raw)
	u, err := url.Parse(raw)
	if err != nil || clean == raw {
		return credentials{}, raw
	}
	c, err2 := url.Parse(clean)
	if err2 != nil {
		return credentials{}, raw
	}
	kept := map[string]bool{}
	for _, kv := range strings.Split(c.RawQuery, "&") {
		kept[kv] = true
	}
	creds := credentials{user: u.User}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if kv != "" && !kept[kv] {
			creds.query = append(creds.query, kv)
		}
	}
	return creds, clean
}

// add returns u with the credentials put back when u is on host, the
// start page's host; any other URL is returned as it is, so credentials
// never travel to another host.
func (c credentials) add(u, host string) string {
	if c.user == nil && len(c.query) == 0 {
		return u
	}
	p, err := url.Parse(u)
	if err != nil || !strings.EqualFold(p.Host, host) {
		return u
	}
	p.User = c.user
	q := p.RawQuery
	for _, kv := range c.query {
		if q != "" {
			q += "&"
		}
		q += kv
	}
	p.RawQuery = q
	return p.String()
}
