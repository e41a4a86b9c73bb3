package source

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// sitemap is a sitemaps.org urlset or sitemapindex; both list <loc>s.
type sitemap struct {
	XMLName  xml.Name
	URLs     []string `xml:"url>loc"`
	Sitemaps []string `xml:"sitemap>loc"`
}

// parseSitemap returns the page URLs and the nested sitemap URLs of a
// sitemap document; ok is false when data is not one.
func parseSitemap(data []byte) (pages, nested []string, ok bool) {
	var s sitemap
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return nil, nil, false
	}
	if s.XMLName.Local != "urlset" && s.XMLName.Local != "sitemapindex" {
		return nil, nil, false
	}
	trim := func(in []string) []string {
		var out []string
		for _, v := range in {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	return trim(s.URLs), trim(s.Sitemaps), true
}
