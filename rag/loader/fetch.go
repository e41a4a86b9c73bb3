package loader

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Validators are the HTTP cache validators of a stored page, sent as
// If-None-Match and If-Modified-Since so that an unchanged page costs a
// 304 and no body.
type Validators struct {
	ETag         string
	LastModified string
}

// Page is one fetched http(s) response.
type Page struct {
	// URL is where the body came from, after redirects.
	URL *url.URL
	// NotModified is set on a 304: Body is empty and the stored copy holds.
	NotModified bool
	Validators  Validators
	ContentType string
	Body        []byte
}

// Fetch GETs rawURL with the same limits and address checks as LoadURL,
// sending v as conditional request headers. A status other than 2xx or
// 304 is an error.
// Errors name the URL without credentials (CleanURL).
func Fetch(ctx context.Context, rawURL string, v Validators, opts Options) (*Page, error) {
	return fetch(ctx, "fetch", rawURL, v, opts)
}

// fetch is Fetch with op, the verb its errors start with.
func fetch(ctx context.Context, op, rawURL string, v Validators, opts Options) (*Page, error) {
	shown := CleanURL(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %s: not an http(s) URL: %w", op, shown, ErrUnsupported)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	client, tr := newClient(opts)
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, shown, withoutURL(err))
	}
	req.Header.Set("User-Agent", "citebot-loader/1")
	req.Header.Set("Accept", "text/html, text/markdown, text/plain, application/pdf, "+MediaDOCX+";q=0.9, */*;q=0.1")
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, shown, withoutURL(err))
	}
	defer resp.Body.Close()
	p := &Page{URL: resp.Request.URL, ContentType: resp.Header.Get("Content-Type"),
		Validators: Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}}
	if resp.StatusCode == http.StatusNotModified {
		p.NotModified = true
		return p, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("%s %s: http status %s", op, shown, resp.Status)
	}
	if resp.ContentLength > opts.maxBytes() {
		return nil, fmt.Errorf("%s %s: %d bytes, over the %d-byte cap: %w", op, shown, resp.ContentLength, opts.maxBytes(), ErrTooLarge)
	}
	if p.Body, err = readCapped(resp.Body, opts.maxBytes()); err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, shown, err)
	}
	return p, nil
}

// Document parses a fetched page as LoadURL would, with source, without
// credentials (CleanURL), as its Document.Source.
func (p *Page) Document(ctx context.Context, source string, opts Options) (*Document, error) {
	source = CleanURL(source)
	media, err := urlMedia(p.URL, p.ContentType, p.Body)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", source, err)
	}
	return parse(ctx, source, media, p.ContentType, p.Body, opts)
}
